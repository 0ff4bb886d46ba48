"""DroidCall (MIT): Android intents with extras (`EXTRA_HOUR`...), written by GPT-4-turbo.

There is no per-intent schema, so one is written here for the intents whose extras map cleanly to
readable parameters (alarms, timer, settings pages, web search, calendar/contact insert, email,
SMS, dial/call, taxi). Intents whose gold lives in content URIs that the query cannot state
(ACTION_VIEW, ACTION_PICK, ACTION_EDIT, GET_CONTENT, OPEN_DOCUMENT, CREATE_DOCUMENT, camera) are
skipped. Rows are dropped when an extra has no parameter, when an epoch-millisecond time is used
(not derivable from the text), or when a content/file URI argument is not in the query.
Candidates: the gold tool + 2-7 other DroidCall tools (seeded per row).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

from pipeline.convert.common import Skip, add_distractors, rows_from, row, seeded_rng

SOURCE = "droidcall"

S = lambda d: {"type": "string", "description": d}  # noqa: E731
I = lambda d: {"type": "integer", "description": d}  # noqa: E731
B = lambda d: {"type": "boolean", "description": d}  # noqa: E731
LS = lambda d: {"type": "array", "items": {"type": "string"}, "description": d}  # noqa: E731

SETTINGS = {
    "ACTION_AIRPLANE_MODE_SETTINGS": "airplane_mode", "ACTION_APN_SETTINGS": "mobile_network_apn",
    "ACTION_BLUETOOTH_SETTINGS": "bluetooth", "ACTION_DATE_SETTINGS": "date_time",
    "ACTION_DISPLAY_SETTINGS": "display", "ACTION_INPUT_METHOD_SETTINGS": "keyboard",
    "ACTION_INTERNAL_STORAGE_SETTINGS": "internal_storage", "ACTION_LOCALE_SETTINGS": "language",
    "ACTION_LOCATION_SOURCE_SETTINGS": "location", "ACTION_MEMORY_CARD_SETTINGS": "memory_card",
    "ACTION_SECURITY_SETTINGS": "security", "ACTION_SETTINGS": "general",
    "ACTION_WIFI_SETTINGS": "wifi", "ACTION_WIRELESS_SETTINGS": "wireless_networks",
}


def _tool(name, desc, props, required=()):
    params = {"type": "object", "properties": props}
    if required:
        params["required"] = list(required)
    return {"name": name, "description": desc, "parameters": params}


TOOLS = {t["name"]: t for t in [
    _tool("set_alarm", "Set an alarm on the phone's clock app.", {
        "hour": I("Hour, 0-23"), "minutes": I("Minutes, 0-59"), "message": S("Alarm label"),
        "days": {"type": "array", "items": {"type": "integer"},
                 "description": "Repeat days, 1=Sunday ... 7=Saturday; empty for a one-time alarm"},
        "vibrate": B("Vibrate when ringing"), "skip_ui": B("Set it without showing the clock app"),
    }, ["hour"]),
    _tool("set_timer", "Start a countdown timer.", {
        "length_seconds": I("Timer length in seconds"), "message": S("Timer label"),
        "skip_ui": B("Start it without showing the clock app"),
    }, ["length_seconds"]),
    _tool("show_alarms", "Show the list of alarms.", {}),
    _tool("open_settings", "Open a page of the phone's settings.", {
        "page": {"type": "string", "enum": sorted(set(SETTINGS.values())), "description": "Settings page"},
    }, ["page"]),
    _tool("web_search", "Search the web.", {"query": S("Search terms")}, ["query"]),
    _tool("add_calendar_event", "Add an event to the calendar.", {
        "title": S("Event title"), "description": S("Event description"), "location": S("Event location"),
        "begin_time": S("Start date and time"), "end_time": S("End date and time"),
        "all_day": B("All-day event"), "attendees": S("Comma-separated attendee emails"),
    }, ["title"]),
    _tool("add_contact", "Create a new contact.", {
        "name": S("Full name"), "phone": S("Phone number"), "email": S("Email address"),
        "company": S("Company"), "job_title": S("Job title"), "postal_address": S("Postal address"),
        "website": S("Website"), "notes": S("Notes"),
    }, ["name"]),
    _tool("send_email", "Compose an email in the mail app.", {
        "to": LS("Recipient addresses"), "cc": LS("Cc addresses"), "bcc": LS("Bcc addresses"),
        "subject": S("Subject"), "body": S("Message text"), "attachments": LS("Attachment URIs"),
    }, ["to"]),
    _tool("send_sms", "Compose a text message (SMS/MMS).", {
        "phone_number": S("Recipient phone number"), "message": S("Message text"),
        "attachments": LS("Attachment URIs"),
    }, ["message"]),
    _tool("dial", "Open the dialer with a number filled in.", {"phone_number": S("Phone number")}, ["phone_number"]),
    _tool("call", "Call a phone number immediately.", {"phone_number": S("Phone number")}, ["phone_number"]),
    _tool("book_taxi", "Reserve a taxi.", {
        "pickup_location": S("Pickup address"), "destination": S("Destination"),
        "pickup_time": S("Pickup time"), "passengers": I("Number of passengers"),
        "special_requests": S("Special requests"),
    }, ["pickup_location", "destination"]),
]}

ALARM = {"EXTRA_HOUR": "hour", "EXTRA_MINUTES": "minutes", "EXTRA_MESSAGE": "message",
         "EXTRA_DAYS": "days", "EXTRA_VIBRATE": "vibrate", "EXTRA_SKIP_UI": "skip_ui"}
TIMER = {"EXTRA_LENGTH": "length_seconds", "EXTRA_MESSAGE": "message", "EXTRA_SKIP_UI": "skip_ui"}
EVENT = {"TITLE": "title", "DESCRIPTION": "description", "EVENT_LOCATION": "location",
         "EXTRA_EVENT_BEGIN_TIME": "begin_time", "EXTRA_EVENT_END_TIME": "end_time",
         "EXTRA_EVENT_ALL_DAY": "all_day", "EXTRA_EMAIL": "attendees"}
CONTACT = {"NAME": "name", "PHONE": "phone", "EMAIL": "email", "COMPANY": "company",
           "JOB_TITLE": "job_title", "POSTAL": "postal_address", "FORMATTED_ADDRESS": "postal_address",
           "WEBSITE": "website", "NOTES": "notes", "NOTE": "notes"}
EMAIL = {"EXTRA_EMAIL": "to", "EXTRA_CC": "cc", "EXTRA_BCC": "bcc", "EXTRA_SUBJECT": "subject",
         "subject": "subject", "EXTRA_TEXT": "body", "EXTRA_STREAM": "attachments"}
SMS = {"sms_body": "message", "EXTRA_STREAM": "attachments", "Intent.EXTRA_TEXT": "message"}
TAXI = {"pickup_location": "pickup_location", "destination": "destination", "pickup_time": "pickup_time",
        "passengers": "passengers", "group_size": "passengers", "special_requests": "special_requests"}

_NUMBER = re.compile(r"^(?:tel|smsto|sms|mms):(\+?[\d\-() ]+)$")


def _short(key: str) -> str:
    """`ContactsContract.Intents.Insert.PHONE` / `Intent.EXTRA_CC` -> `PHONE` / `EXTRA_CC`."""
    return key.rsplit(".", 1)[-1]


def map_extras(extras: dict, table: dict) -> dict:
    args = {}
    for key, value in (extras or {}).items():
        if value in (None, "None", ""):
            continue
        name = table.get(key, table.get(_short(key)))
        if name is None:
            raise Skip("extra_without_parameter")
        if name in ("attachments", "to", "cc", "bcc") and isinstance(value, str):
            value = [value]
        args[name] = value
    return args


def phone_from_uri(uri) -> str | None:
    m = _NUMBER.match(str(uri or "").strip())
    return m.group(1).strip() if m else None


def to_call(sample: dict) -> dict:
    intent, extras, uri = sample["intent"], sample.get("extras") or {}, sample.get("uri")
    if intent in SETTINGS:
        return {"name": "open_settings", "arguments": {"page": SETTINGS[intent]}}
    if intent == "ACTION_SET_ALARM":
        extras = {k: v for k, v in extras.items() if k != "EXTRA_RINGTONE"}
        return {"name": "set_alarm", "arguments": map_extras(extras, ALARM)}
    if intent == "ACTION_SET_TIMER":
        return {"name": "set_timer", "arguments": map_extras(extras, TIMER)}
    if intent == "ACTION_SHOW_ALARMS":
        return {"name": "show_alarms", "arguments": {}}
    if intent == "ACTION_WEB_SEARCH":
        return {"name": "web_search", "arguments": {"query": extras.get("SearchManager.QUERY") or extras.get("QUERY")}}
    if intent == "ACTION_INSERT":
        if "Events" in str(uri):
            args = map_extras(extras, EVENT)
            if any(isinstance(args.get(k), int) for k in ("begin_time", "end_time")):
                raise Skip("epoch_time_not_in_query")
            return {"name": "add_calendar_event", "arguments": args}
        return {"name": "add_contact", "arguments": map_extras(extras, CONTACT)}
    if intent in ("ACTION_SEND", "ACTION_SENDTO", "ACTION_SEND_MULTIPLE"):
        if any(_short(k) == "EXTRA_EMAIL" for k in extras):
            return {"name": "send_email", "arguments": map_extras(extras, EMAIL)}
        if "sms_body" in extras:
            args = map_extras(extras, SMS)
            number = phone_from_uri(uri)
            if number:
                args["phone_number"] = number
            return {"name": "send_sms", "arguments": args}
        raise Skip("send_without_recipient_kind")
    if intent in ("ACTION_DIAL", "ACTION_CALL", "CALL_PHONE"):
        number = phone_from_uri(uri)
        if not number:
            raise Skip("no_phone_number")
        return {"name": "dial" if intent == "ACTION_DIAL" else "call", "arguments": {"phone_number": number}}
    if intent == "ACTION_RESERVE_TAXI_RESERVATION":
        return {"name": "book_taxi", "arguments": map_extras(extras, TAXI)}
    raise Skip("intent_not_mapped")


def _invented_uri(args: dict, query: str) -> bool:
    values = [v for v in args.values() if isinstance(v, str)] + \
             [x for v in args.values() if isinstance(v, list) for x in v if isinstance(x, str)]
    return any(v.startswith(("content://", "file://")) and v not in query for v in values)


def convert_one(item, pool: list[dict]) -> Iterator[dict]:
    sid, sample = item
    call = to_call(sample)
    if _invented_uri(call["arguments"], sample["query"]):
        raise Skip("uri_not_in_query")
    rng = seeded_rng(SOURCE, sid)
    # "dial" and "call" both fit a "call 555..." request: never offer one as the other's distractor
    twins = {"dial": "call", "call": "dial"}
    pool = [t for t in pool if t["name"] != twins.get(call["name"])]
    tools = add_distractors([TOOLS[call["name"]]], pool, rng)
    yield row(SOURCE, sid, sample["query"], tools, [call])


def convert(corpus_root: Path) -> Iterator[dict]:
    base = Path(corpus_root) / "droidcall" / "data"
    items = []
    for name in ("machine_generated", "seeds"):
        for i, line in enumerate((base / f"{name}.jsonl").read_text().splitlines()):
            if line.strip():
                items.append((f"{name}-{i}", json.loads(line)))
    pool = [TOOLS[n] for n in sorted(TOOLS)]
    yield from rows_from(items, lambda it: convert_one(it, pool))
