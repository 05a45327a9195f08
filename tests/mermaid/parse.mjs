// Dev-only check used by tests/test_stage_diagrams.py: read Mermaid texts separated by NUL
// on stdin, and print for each whether mermaid.parse accepts it and which states,
// transitions and classes Mermaid read from it. Run from this folder (see package.json).
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = Buffer.concat(chunks).toString("utf8").split("\0").filter((t) => t.length);
const results = [];
for (const text of texts) {
  try {
    await mermaid.parse(text);
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    results.push({
      ok: true,
      states: [...db.getStates().keys()],
      relations: db.getRelations().map((r) => [r.id1, r.id2, r.relationTitle ?? null]),
      classes: [...db.getClasses().keys()],
    });
  } catch (error) {
    results.push({ ok: false, error: String((error && error.message) || error).slice(0, 300) });
  }
}
process.stdout.write(JSON.stringify(results));
