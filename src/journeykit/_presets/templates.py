"""The ready-made journeys' messages, in English (the ``default`` variant) and Swedish.

Every e-mail has a subject, a preheader (the preview line inboxes show), a plain-text
part that says the same as the html part, and an html part built on one shared layout:
simple, accessible markup (a language attribute, one column, real headings, alt texts on
every image, links with words) with the unsubscribe placeholder in the footer. Money is
formatted with ``money`` and dates with ``date``, so a reader in Sweden sees ``499,00 kr``
and ``4 maj 2026`` whatever variant was chosen.

Values every template takes as ``params`` (the journeys pass them):
``shop_name``, ``shop_url`` and ``unsubscribe`` (the placeholder the host replaces with
the customer's own unsubscribe link before sending); offers add ``discount`` (a percent)
and ``code``.
"""

from __future__ import annotations

from collections.abc import Mapping

from journeykit.templates import MessageTemplate

__all__ = ["LAYOUTS", "TEMPLATES", "UNSUBSCRIBE"]

UNSUBSCRIBE = "%%unsubscribe_url%%"
"""The unsubscribe placeholder the preset messages print: replace it with the customer's
own link before sending (or pass your e-mail service's merge tag as ``unsubscribe``)."""

_BASE = ("shop_name", "shop_url", "unsubscribe")
_OFFER = (*_BASE, "discount", "code")

_PAGE = (
    "max-width:600px;margin:0 auto;padding:24px;font-family:Arial,Helvetica,sans-serif;"
    "font-size:16px;line-height:1.5;color:#222222;"
)
_LAYOUT = (
    '<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    "<title>{{{{ shop_name }}}}</title></head>\n"
    '<body style="margin:0;padding:0;background:#ffffff;">\n'
    '<div role="article" aria-label="{{{{ shop_name }}}}" lang="{lang}" style="' + _PAGE + '">\n'
    '<p style="font-size:20px;font-weight:bold;margin:0 0 24px;"><a href="{{{{ shop_url }}}}" '
    'style="color:#222222;text-decoration:none;">{{{{ shop_name }}}}</a></p>\n'
    "{{% block body %}}{{% endblock %}}\n"
    '<hr style="border:none;border-top:1px solid #dddddd;margin:32px 0 16px;">\n'
    '<p style="font-size:13px;color:#555555;">{footer} <a href="{{{{ unsubscribe }}}}" '
    'style="color:#555555;">{unsubscribe}</a></p>\n</div>\n</body>\n</html>'
)

LAYOUTS: Mapping[str, Mapping[str, str]] = {
    "preset_email": {
        "default": _LAYOUT.format(
            lang="en",
            footer="You receive this because you are a customer of {{ shop_name }}.",
            unsubscribe="Unsubscribe",
        ),
        "sv": _LAYOUT.format(
            lang="sv",
            footer="Du får det här mejlet för att du är kund hos {{ shop_name }}.",
            unsubscribe="Avregistrera dig",
        ),
    },
    "preset_items": {  # rows of products: every image has its alt text
        "default": (
            "{% for item in items %}{% set label = item.name or item.product_id %}"
            '<tr><td style="padding:8px 0;">{% if item.image %}'
            '<img src="{{ item.image }}" alt="{{ label }}" width="80" height="80" '
            'style="display:block;">{% endif %}</td><td style="padding:8px 12px;">'
            '{% if item.url %}<a href="{{ item.url }}">{{ label }}</a>'
            "{% else %}{{ label }}{% endif %}"
            "{% if item.price %}<br>{{ item.price | money(currency) }}{% endif %}"
            "</td></tr>{% endfor %}"
        ),
    },
}

_TEXT_FOOTER = {
    "en": "\n\n--\n{{ shop_name }}, {{ shop_url }}\nUnsubscribe: {{ unsubscribe }}\n",
    "sv": "\n\n--\n{{ shop_name }}, {{ shop_url }}\nAvregistrera dig: {{ unsubscribe }}\n",
}
_BUTTON = (
    '<p style="margin:24px 0;"><a href="{url}" style="background:#222222;color:#ffffff;'
    'padding:12px 20px;text-decoration:none;border-radius:4px;display:inline-block;">'
    "{label}</a></p>"
)


def _message(
    lang: str,
    subject: str,
    preheader: str,
    text: str,
    html: str,
    params: tuple[str, ...],
    *,
    button: tuple[str, str] | None = None,
    missing: str = "strict",
) -> MessageTemplate:
    body = html + (_BUTTON.format(url=button[0], label=button[1]) if button else "")
    return MessageTemplate(
        subject=subject,
        preheader=preheader,
        text=text + (f"\n\n{button[1]}: {button[0]}" if button else "") + _TEXT_FOOTER[lang],
        html="{% extends 'preset_email' %}{% block body %}" + body + "{% endblock %}",
        params=params,
        missing=missing,  # type: ignore[arg-type]  # "strict" or "lenient"
    )


def _pair(
    params: tuple[str, ...],
    en: tuple[str, str, str, str],
    sv: tuple[str, str, str, str],
    *,
    button: tuple[str, str, str] | None = None,
    missing: str = "strict",
) -> dict[str, MessageTemplate]:
    """The English default and the Swedish variant of one message."""
    en_button = None if button is None else (button[0], button[1])
    sv_button = None if button is None else (button[0], button[2])
    return {
        "default": _message("en", *en, params, button=en_button, missing=missing),
        "sv": _message("sv", *sv, params, button=sv_button, missing=missing),
    }


_HI_EN = "Hi{% if customer.first_name %} {{ customer.first_name }}{% endif %},"
_HI_SV = "Hej{% if customer.first_name %} {{ customer.first_name }}{% endif %}!"
_CODE_EN = "Use the code {{ code }} for {{ discount }}% off"
_CODE_SV = "Använd koden {{ code }} för {{ discount }} % rabatt"
_SHOP = "{{ shop_url }}"
_SURVEY = (*_BASE, "survey_url")

# the cart, in both parts: the whole cart when the event carries it, else the one product
_CART_HTML = (
    "{% set items = event.properties.items or [event.properties] %}"
    "{% set currency = event.properties.currency or 'EUR' %}"
    '<table role="presentation" style="border-collapse:collapse;">'
    "{% include 'preset_items' %}</table>"
)
_CART_TEXT = (  # a newline right after a tag is trimmed: end each line on an expression
    "{% for item in event.properties.items or [event.properties] %}"
    "- {{ item.name or item.product_id }}"
    "{{ (' x ' ~ item.quantity) if item.quantity else '' }}\n{% endfor %}"
)
_RECOMMENDED = "order.recommendations or customer.attributes.recommendations"
_RECO_HTML = (
    "{% set items = " + _RECOMMENDED + " or [] %}"
    "{% set currency = order.currency or 'EUR' %}"
    '{% if items %}<table role="presentation" style="border-collapse:collapse;">'
    "{% include 'preset_items' %}</table>{% endif %}"
)
_RECO_TEXT = (
    "{% for item in " + _RECOMMENDED + " or [] %}"
    "- {{ item.name }}{{ (': ' ~ item.url) if item.url else '' }}\n{% endfor %}"
)
_SCORES_HTML = (
    '<p>{% for n in range(11) %}<a href="{{ survey_url }}?score={{ n }}" '
    'style="display:inline-block;min-width:28px;padding:6px;margin:2px;border:1px solid #222222;'
    'text-align:center;text-decoration:none;color:#222222;">{{ n }}</a>{% endfor %}</p>'
)
_SCORES_TEXT = "{{ survey_url }}"


def _t(
    params: tuple[str, ...],
    en: tuple[str, str, str, str],
    sv: tuple[str, str, str, str],
    button: tuple[str, str, str] | None = None,
) -> dict[str, MessageTemplate]:
    return _pair(params, en, sv, button=button)


TEMPLATES: Mapping[str, Mapping[str, MessageTemplate]] = {
    "welcome": _t(
        _BASE,
        (
            "Welcome to {{ shop_name }}",
            "Glad to have you with us.",
            _HI_EN + "\n\nWelcome to {{ shop_name }}! You will be the first to hear about new "
            "arrivals and offers.",
            "<h1>Welcome to {{ shop_name }}</h1><p>" + _HI_EN + "</p><p>You will be the first "
            "to hear about new arrivals and offers.</p>",
        ),
        (
            "Välkommen till {{ shop_name }}",
            "Roligt att du är med.",
            _HI_SV + "\n\nVälkommen till {{ shop_name }}! Du får höra först om nyheter och "
            "erbjudanden.",
            "<h1>Välkommen till {{ shop_name }}</h1><p>" + _HI_SV + "</p><p>Du får höra först "
            "om nyheter och erbjudanden.</p>",
        ),
        (_SHOP, "Visit the shop", "Till butiken"),
    ),
    "welcome_offer": _t(
        _OFFER,
        (
            "{{ discount }}% off your first order",
            "A welcome gift from {{ shop_name }}.",
            _HI_EN + "\n\n" + _CODE_EN + " on your first order.",
            "<h1>A welcome gift</h1><p>" + _HI_EN + "</p><p>" + _CODE_EN + " on your first "
            "order.</p>",
        ),
        (
            "{{ discount }} % rabatt på din första beställning",
            "En välkomstgåva från {{ shop_name }}.",
            _HI_SV + "\n\n" + _CODE_SV + " på din första beställning.",
            "<h1>En välkomstgåva</h1><p>" + _HI_SV + "</p><p>" + _CODE_SV + " på din första "
            "beställning.</p>",
        ),
        (_SHOP, "Shop now", "Handla nu"),
    ),
    "browse_abandonment": _t(
        _BASE,
        (
            "Still thinking about {{ event.properties.name | default('it') }}?",
            "It is still here for you.",
            _HI_EN + "\n\nYou were looking at {{ event.properties.name | default('something "
            "nice') }}. It is still here.",
            "<h1>Still thinking about it?</h1><p>" + _HI_EN + "</p><p>You were looking at "
            "{{ event.properties.name | default('something nice') }}. It is still here.</p>",
        ),
        (
            "Funderar du fortfarande på {{ event.properties.name | default('den') }}?",
            "Den finns kvar.",
            _HI_SV + "\n\nDu tittade på {{ event.properties.name | default('något fint') }}. "
            "Den finns kvar.",
            "<h1>Funderar du fortfarande?</h1><p>" + _HI_SV + "</p><p>Du tittade på "
            "{{ event.properties.name | default('något fint') }}. Den finns kvar.</p>",
        ),
        ("{{ event.properties.url | default(shop_url) }}", "Take another look", "Titta igen"),
    ),
    "cart_abandonment": _t(
        _BASE,
        (
            "You left something in your cart",
            "Your cart is saved for you.",
            _HI_EN + "\n\nYour cart is waiting:\n" + _CART_TEXT,
            "<h1>Your cart is waiting</h1><p>" + _HI_EN + "</p>" + _CART_HTML,
        ),
        (
            "Du har glömt något i varukorgen",
            "Vi har sparat din varukorg.",
            _HI_SV + "\n\nDin varukorg väntar:\n" + _CART_TEXT,
            "<h1>Din varukorg väntar</h1><p>" + _HI_SV + "</p>" + _CART_HTML,
        ),
        (_SHOP, "Go to your cart", "Till varukorgen"),
    ),
    "cart_abandonment_last": _t(
        _OFFER,
        (
            "{{ discount }}% off what is in your cart",
            "A last reminder, with a little help.",
            _HI_EN + "\n\nYour cart is still waiting:\n" + _CART_TEXT + "\n" + _CODE_EN + ".",
            "<h1>Still in your cart</h1><p>"
            + _HI_EN
            + "</p>"
            + _CART_HTML
            + "<p>"
            + _CODE_EN
            + ".</p>",
        ),
        (
            "{{ discount }} % rabatt på din varukorg",
            "En sista påminnelse, med lite hjälp.",
            _HI_SV + "\n\nDin varukorg väntar fortfarande:\n" + _CART_TEXT + "\n" + _CODE_SV + ".",
            "<h1>Fortfarande i varukorgen</h1><p>"
            + _HI_SV
            + "</p>"
            + _CART_HTML
            + "<p>"
            + _CODE_SV
            + ".</p>",
        ),
        (_SHOP, "Complete your order", "Slutför beställningen"),
    ),
    "post_purchase_thanks": _t(
        _BASE,
        (
            "Thank you for your order{% if order.order_id %} {{ order.order_id }}{% endif %}",
            "We are getting it ready.",
            _HI_EN + "\n\nThank you for your order{% if order.value %} of "
            "{{ order.value | money(order.currency) }}{% endif %}, placed "
            "{{ event.at | date('long') }}. We will let you know when it is on its way.",
            "<h1>Thank you for your order</h1><p>" + _HI_EN + "</p><p>Your order"
            "{% if order.order_id %} {{ order.order_id }}{% endif %}{% if order.value %} of "
            "{{ order.value | money(order.currency) }}{% endif %}, placed "
            "{{ event.at | date('long') }}, is being prepared.</p>",
        ),
        (
            "Tack för din beställning{% if order.order_id %} {{ order.order_id }}{% endif %}",
            "Vi gör i ordning den nu.",
            _HI_SV + "\n\nTack för din beställning{% if order.value %} på "
            "{{ order.value | money(order.currency) }}{% endif %} den "
            "{{ event.at | date('long') }}. Vi hör av oss när den är på väg.",
            "<h1>Tack för din beställning</h1><p>" + _HI_SV + "</p><p>Din beställning"
            "{% if order.order_id %} {{ order.order_id }}{% endif %}{% if order.value %} på "
            "{{ order.value | money(order.currency) }}{% endif %} den "
            "{{ event.at | date('long') }} håller på att packas.</p>",
        ),
    ),
    "post_purchase_review": _t(
        _BASE,
        (
            "How do you like it?",
            "Your review helps other customers.",
            _HI_EN + "\n\nYour order should have arrived by now. Would you tell other "
            "customers what you think?",
            "<h1>How do you like it?</h1><p>" + _HI_EN + "</p><p>Your order should have arrived "
            "by now. Would you tell other customers what you think?</p>",
        ),
        (
            "Vad tycker du?",
            "Ditt omdöme hjälper andra kunder.",
            _HI_SV + "\n\nDin beställning borde ha kommit fram nu. Vill du berätta för andra "
            "kunder vad du tycker?",
            "<h1>Vad tycker du?</h1><p>" + _HI_SV + "</p><p>Din beställning borde ha kommit fram "
            "nu. Vill du berätta för andra kunder vad du tycker?</p>",
        ),
        (_SHOP, "Write a review", "Skriv ett omdöme"),
    ),
    "post_purchase_recommendations": _t(
        _BASE,
        (
            "Picked for you",
            "Ideas that go with your last order.",
            _HI_EN + "\n\nHere are a few things that go well with your last order:\n" + _RECO_TEXT,
            "<h1>Picked for you</h1><p>" + _HI_EN + "</p><p>Here are a few things that go well "
            "with your last order.</p>" + _RECO_HTML,
        ),
        (
            "Utvalt för dig",
            "Idéer som passar din senaste beställning.",
            _HI_SV
            + "\n\nHär är några saker som passar bra till din senaste beställning:\n"
            + _RECO_TEXT,
            "<h1>Utvalt för dig</h1><p>" + _HI_SV + "</p><p>Här är några saker som passar bra "
            "till din senaste beställning.</p>" + _RECO_HTML,
        ),
        (_SHOP, "See what is new", "Se nyheterna"),
    ),
    "second_purchase": _t(
        _OFFER,
        (
            "Something new for you, {{ discount }}% off",
            "A thank-you for your first order.",
            _HI_EN + "\n\nThank you for your first order. " + _CODE_EN + " on your next one.",
            "<h1>Ready for the next one?</h1><p>" + _HI_EN + "</p><p>Thank you for your first "
            "order. " + _CODE_EN + " on your next one.</p>",
        ),
        (
            "Något nytt för dig, {{ discount }} % rabatt",
            "Ett tack för din första beställning.",
            _HI_SV + "\n\nTack för din första beställning. " + _CODE_SV + " på nästa.",
            "<h1>Dags för nästa?</h1><p>"
            + _HI_SV
            + "</p><p>Tack för din första beställning. "
            + _CODE_SV
            + " på nästa.</p>",
        ),
        (_SHOP, "Shop now", "Handla nu"),
    ),
    "win_back": _t(
        _OFFER,
        (
            "We miss you: {{ discount }}% off",
            "It has been a while.",
            _HI_EN + "\n\nIt has been a while since we saw you. " + _CODE_EN + " on your next "
            "order.",
            "<h1>We miss you</h1><p>"
            + _HI_EN
            + "</p><p>It has been a while since we saw you. "
            + _CODE_EN
            + " on your next order.</p>",
        ),
        (
            "Vi saknar dig: {{ discount }} % rabatt",
            "Det var ett tag sedan.",
            _HI_SV + "\n\nDet var ett tag sedan vi sågs. " + _CODE_SV + " på nästa beställning.",
            "<h1>Vi saknar dig</h1><p>"
            + _HI_SV
            + "</p><p>Det var ett tag sedan vi sågs. "
            + _CODE_SV
            + " på nästa beställning.</p>",
        ),
        (_SHOP, "Come back and shop", "Kom tillbaka och handla"),
    ),
    "win_back_reminder": _t(
        _OFFER,
        (
            "Your {{ discount }}% is still waiting",
            "A reminder before it is gone.",
            _HI_EN + "\n\nA reminder: " + _CODE_EN + ".",
            "<h1>Still yours</h1><p>" + _HI_EN + "</p><p>A reminder: " + _CODE_EN + ".</p>",
        ),
        (
            "Dina {{ discount }} % väntar fortfarande",
            "En påminnelse innan den försvinner.",
            _HI_SV + "\n\nEn påminnelse: " + _CODE_SV + ".",
            "<h1>Fortfarande din</h1><p>" + _HI_SV + "</p><p>En påminnelse: " + _CODE_SV + ".</p>",
        ),
        (_SHOP, "Use it now", "Använd den nu"),
    ),
    "ambassador_early_access": _t(
        _BASE,
        (
            "Early access, just for you",
            "Our best customers see it first.",
            _HI_EN + "\n\nYou are one of our most loyal customers, so you get to see our "
            "new collection before anyone else.",
            "<h1>Early access, just for you</h1><p>" + _HI_EN + "</p><p>You are one of our most "
            "loyal customers, so you get to see our new collection before anyone else.</p>",
        ),
        (
            "Förhandstitt, bara för dig",
            "Våra bästa kunder ser det först.",
            _HI_SV + "\n\nDu är en av våra mest trogna kunder, så du får se vår nya kollektion "
            "före alla andra.",
            "<h1>Förhandstitt, bara för dig</h1><p>" + _HI_SV + "</p><p>Du är en av våra mest "
            "trogna kunder, så du får se vår nya kollektion före alla andra.</p>",
        ),
        (_SHOP, "See it first", "Se den först"),
    ),
    "ambassador_referral": _t(
        _BASE,
        (
            "Share {{ shop_name }} with a friend",
            "A gift for them, and one for you.",
            _HI_EN + "\n\nKnow someone who would like {{ shop_name }}? Invite them: they get a "
            "gift, and so do you.",
            "<h1>Share {{ shop_name }}</h1><p>" + _HI_EN + "</p><p>Know someone who would like "
            "{{ shop_name }}? Invite them: they get a gift, and so do you.</p>",
        ),
        (
            "Tipsa en vän om {{ shop_name }}",
            "En gåva till dem, och en till dig.",
            _HI_SV + "\n\nKänner du någon som skulle gilla {{ shop_name }}? Bjud in dem: de får "
            "en gåva, och det får du också.",
            "<h1>Tipsa en vän</h1><p>" + _HI_SV + "</p><p>Känner du någon som skulle gilla "
            "{{ shop_name }}? Bjud in dem: de får en gåva, och det får du också.</p>",
        ),
        (_SHOP, "Invite a friend", "Bjud in en vän"),
    ),
    "ambassador_review": _t(
        _BASE,
        (
            "Would you review us?",
            "Two minutes that help a lot.",
            _HI_EN + "\n\nA review from a loyal customer like you helps others choose. Would "
            "you write one?",
            "<h1>Would you review us?</h1><p>" + _HI_EN + "</p><p>A review from a loyal "
            "customer like you helps others choose. Would you write one?</p>",
        ),
        (
            "Vill du recensera oss?",
            "Två minuter som hjälper mycket.",
            _HI_SV + "\n\nEtt omdöme från en trogen kund som du hjälper andra att välja. Vill "
            "du skriva ett?",
            "<h1>Vill du recensera oss?</h1><p>" + _HI_SV + "</p><p>Ett omdöme från en trogen "
            "kund som du hjälper andra att välja. Vill du skriva ett?</p>",
        ),
        (_SHOP, "Write a review", "Skriv ett omdöme"),
    ),
    "sunset": _t(
        _BASE,
        (
            "Do you still want to hear from us?",
            "One click keeps you on the list.",
            _HI_EN + "\n\nWe have not heard from you in a while. If you still want our mail, "
            "click the link below. If not, we will stop sending you offers in two weeks.",
            "<h1>Do you still want to hear from us?</h1><p>" + _HI_EN + "</p><p>We have not "
            "heard from you in a while. If you still want our mail, click the button below. If "
            "not, we will stop sending you offers in two weeks.</p>",
        ),
        (
            "Vill du fortfarande höra från oss?",
            "Ett klick och du är kvar på listan.",
            _HI_SV + "\n\nVi har inte hört av dig på ett tag. Klicka på länken nedan om du "
            "fortfarande vill ha våra mejl. Annars slutar vi skicka erbjudanden om två veckor.",
            "<h1>Vill du fortfarande höra från oss?</h1><p>" + _HI_SV + "</p><p>Vi har inte hört "
            "av dig på ett tag. Klicka på knappen nedan om du fortfarande vill ha våra mejl. "
            "Annars slutar vi skicka erbjudanden om två veckor.</p>",
        ),
        (_SHOP, "Yes, keep me on the list", "Ja, jag vill vara kvar"),
    ),
    "feedback_survey": _t(
        _SURVEY,
        (
            "How did we do?",
            "One question, one click.",
            _HI_EN + "\n\nHow likely are you to recommend {{ shop_name }} to a friend, from 0 "
            "(not at all) to 10 (very)? Answer here: " + _SCORES_TEXT,
            "<h1>How did we do?</h1><p>" + _HI_EN + "</p><p>How likely are you to recommend "
            "{{ shop_name }} to a friend, from 0 (not at all) to 10 (very)?</p>" + _SCORES_HTML,
        ),
        (
            "Hur gick det?",
            "En fråga, ett klick.",
            _HI_SV + "\n\nHur troligt är det att du rekommenderar {{ shop_name }} till en vän, "
            "från 0 (inte alls) till 10 (mycket)? Svara här: " + _SCORES_TEXT,
            "<h1>Hur gick det?</h1><p>" + _HI_SV + "</p><p>Hur troligt är det att du "
            "rekommenderar {{ shop_name }} till en vän, från 0 (inte alls) till 10 (mycket)?"
            "</p>" + _SCORES_HTML,
        ),
    ),
    "feedback_promoter_review": _t(
        _BASE,
        (
            "Thank you! Would you say it publicly?",
            "Your words help others choose.",
            _HI_EN + "\n\nThank you for your {{ event.properties.score }}! Would you write a "
            "short review?",
            "<h1>Thank you!</h1><p>" + _HI_EN + "</p><p>Thank you for your "
            "{{ event.properties.score }}! Would you write a short review?</p>",
        ),
        (
            "Tack! Vill du säga det offentligt?",
            "Dina ord hjälper andra att välja.",
            _HI_SV + "\n\nTack för din {{ event.properties.score }}:a! Vill du skriva ett kort "
            "omdöme?",
            "<h1>Tack!</h1><p>" + _HI_SV + "</p><p>Tack för din {{ event.properties.score }}:a! "
            "Vill du skriva ett kort omdöme?</p>",
        ),
        (_SHOP, "Write a review", "Skriv ett omdöme"),
    ),
    "feedback_promoter_referral": _t(
        _BASE,
        (
            "Know someone who would like {{ shop_name }}?",
            "A gift for them, and one for you.",
            _HI_EN + "\n\nSince you like us: invite a friend, and you both get a gift.",
            "<h1>Share the love</h1><p>" + _HI_EN + "</p><p>Since you like us: invite a friend, "
            "and you both get a gift.</p>",
        ),
        (
            "Känner du någon som skulle gilla {{ shop_name }}?",
            "En gåva till dem, och en till dig.",
            _HI_SV + "\n\nEftersom du gillar oss: bjud in en vän, så får ni båda en gåva.",
            "<h1>Sprid glädjen</h1><p>" + _HI_SV + "</p><p>Eftersom du gillar oss: bjud in en "
            "vän, så får ni båda en gåva.</p>",
        ),
        (_SHOP, "Invite a friend", "Bjud in en vän"),
    ),
    "feedback_detractor": _t(
        _BASE,
        (
            "We are sorry, and we want to put it right",
            "Someone from our team will contact you.",
            _HI_EN + "\n\nThank you for telling us. We are sorry we let you down. Someone from "
            "our customer service will contact you personally to put it right.",
            "<h1>We are sorry</h1><p>" + _HI_EN + "</p><p>Thank you for telling us. We are sorry "
            "we let you down. Someone from our customer service will contact you personally to "
            "put it right.</p>",
        ),
        (
            "Förlåt, vi vill rätta till det",
            "Någon i vårt team hör av sig.",
            _HI_SV + "\n\nTack för att du sa till. Förlåt att vi inte levde upp till dina "
            "förväntningar. Någon från vår kundtjänst kontaktar dig personligen för att rätta "
            "till det.",
            "<h1>Förlåt</h1><p>" + _HI_SV + "</p><p>Tack för att du sa till. Förlåt att vi inte "
            "levde upp till dina förväntningar. Någon från vår kundtjänst kontaktar dig "
            "personligen för att rätta till det.</p>",
        ),
    ),
    "feedback_thanks": _t(
        _BASE,
        (
            "Thank you for your answer",
            "It helps us get better.",
            _HI_EN + "\n\nThank you for taking the time to answer. It helps us get better.",
            "<h1>Thank you</h1><p>" + _HI_EN + "</p><p>Thank you for taking the time to answer. "
            "It helps us get better.</p>",
        ),
        (
            "Tack för ditt svar",
            "Det hjälper oss att bli bättre.",
            _HI_SV + "\n\nTack för att du tog dig tid att svara. Det hjälper oss att bli bättre.",
            "<h1>Tack</h1><p>" + _HI_SV + "</p><p>Tack för att du tog dig tid att svara. Det "
            "hjälper oss att bli bättre.</p>",
        ),
    ),
    "back_in_stock": _t(
        _BASE,
        (
            "{{ event.properties.name | default('It') }} is back in stock",
            "Be quick: it went fast last time.",
            _HI_EN + "\n\n{{ event.properties.name | default('The product you wanted') }} is "
            "back in stock.",
            "<h1>Back in stock</h1><p>" + _HI_EN + "</p><p>"
            "{{ event.properties.name | default('The product you wanted') }} is back in stock."
            "</p>",
        ),
        (
            "{{ event.properties.name | default('Den') }} finns i lager igen",
            "Var snabb, den tog slut fort förra gången.",
            _HI_SV + "\n\n{{ event.properties.name | default('Produkten du ville ha') }} finns i "
            "lager igen.",
            "<h1>I lager igen</h1><p>" + _HI_SV + "</p><p>"
            "{{ event.properties.name | default('Produkten du ville ha') }} finns i lager igen."
            "</p>",
        ),
        ("{{ event.properties.url | default(shop_url) }}", "Get it now", "Köp nu"),
    ),
    "birthday": _t(
        _OFFER,
        (
            "Happy birthday{% if customer.first_name %}, {{ customer.first_name }}{% endif %}!",
            "A gift from {{ shop_name }}.",
            _HI_EN
            + "\n\nHappy birthday from all of us at {{ shop_name }}! "
            + _CODE_EN
            + " as a gift.",
            "<h1>Happy birthday!</h1><p>" + _HI_EN + "</p><p>Happy birthday from all of us at "
            "{{ shop_name }}! " + _CODE_EN + " as a gift.</p>",
        ),
        (
            "Grattis på födelsedagen{% if customer.first_name %}, {{ customer.first_name }}"
            "{% endif %}!",
            "En present från {{ shop_name }}.",
            _HI_SV
            + "\n\nGrattis på födelsedagen från oss alla på {{ shop_name }}! "
            + _CODE_SV
            + " i present.",
            "<h1>Grattis på födelsedagen!</h1><p>" + _HI_SV + "</p><p>Grattis från oss alla på "
            "{{ shop_name }}! " + _CODE_SV + " i present.</p>",
        ),
        (_SHOP, "Pick your gift", "Välj din present"),
    ),
}
