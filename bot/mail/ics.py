"""A Budget II session as an iCalendar invitation (RFC 5545/5546), written by hand, and a
calendar's answer to it read back (`calendar_answer`).

County representatives must attend every Budget II session (R9); the invitation puts it in their
calendar and keeps it right: the UID stays the same for a session, SEQUENCE grows with every
change, and a dropped session is sent as METHOD:CANCEL so the calendar removes it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

from bot.documents import decode_bytes
from handlers.messages import Attachment, SessionEvent

PRODID = "-//sozialbot//Budget II//DE"
DEFAULT_HOURS = 2

# Central European time since 1996: summer time from the last Sunday of March, 02:00, to the
# last Sunday of October, 03:00.
BERLIN_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Berlin",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11); a lone CR is a line break too: written as it
    is, it would end the content line for some calendars and start one of the sender's."""
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Lines longer than 75 octets go on in the next line after CRLF + space, never inside a
    UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not out else 74):
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def method_for(event: SessionEvent) -> str:
    return "CANCEL" if event.status == "cancelled" else "REQUEST"


def session_ics(event: SessionEvent, *, organizer: str, attendee: str, attendee_name: str = "",
                stamp: datetime, timezone: str = "Europe/Berlin", organizer_name: str = "") -> str:
    """The invitation (or its cancellation) for one county representative. It asks for an
    answer (RSVP): a calendar that accepts or declines sends a REPLY to the organizer, the
    county's mailbox, which the bot reads (`reply_fields`)."""
    method = method_for(event)
    summary = f"Budget-II-Sitzung Sozialkonferenz {event.conference_name}"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             f"METHOD:{method}"]
    if event.start is not None:
        start = datetime.combine(event.day, event.start)
        end = start + timedelta(hours=DEFAULT_HOURS)
        if timezone == "Europe/Berlin":
            lines += BERLIN_VTIMEZONE
            when = [f"DTSTART;TZID=Europe/Berlin:{start:%Y%m%dT%H%M%S}",
                    f"DTEND;TZID=Europe/Berlin:{end:%Y%m%dT%H%M%S}"]
        else:  # another county's zone: exact instants in UTC need no VTIMEZONE
            zone, utc = ZoneInfo(timezone), ZoneInfo("UTC")
            when = [f"DTSTART:{start.replace(tzinfo=zone).astimezone(utc):%Y%m%dT%H%M%SZ}",
                    f"DTEND:{end.replace(tzinfo=zone).astimezone(utc):%Y%m%dT%H%M%SZ}"]
    else:
        when = [f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{event.day + timedelta(days=1):%Y%m%d}"]
    description = "Budget II: Teilnahme des Landkreises verpflichtend (R9)."
    if event.agenda:
        description += "\nTagesordnung:\n" + "\n".join(f"- {item}" for item in event.agenda)
    cn = f";CN={_param(attendee_name)}" if attendee_name else ""
    lines += [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{stamp.astimezone(ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}",
        f"SEQUENCE:{max(event.sequence, 0)}",
        *when,
        f"SUMMARY:{escape(('Abgesagt: ' if method == 'CANCEL' else '') + summary)}",
        f"LOCATION:{escape(event.place)}" if event.place else "",
        f"DESCRIPTION:{escape(description)}",
        f"ORGANIZER;CN={_param(organizer_name or organizer)}:mailto:{organizer}",
        f"ATTENDEE{cn};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;"
        f"RSVP={'FALSE' if method == 'CANCEL' else 'TRUE'}:mailto:{attendee}",
        f"STATUS:{'CANCELLED' if method == 'CANCEL' else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines if line)


def _param(text: str) -> str:
    """A parameter value: quoted when it holds : ; or , (RFC 5545 3.2); quotes are dropped."""
    text = " ".join(text.replace('"', "'").split())
    return f'"{text}"' if any(c in text for c in ":;,") else text


# -- answers to our invitations (RFC 5546 REPLY) ------------------------------------------------

MAX_ICS_CHARS = 256 * 1024
PARTSTATS = ("ACCEPTED", "DECLINED", "TENTATIVE")


def _content_line(line: str) -> tuple[str, dict[str, str], str]:
    """(NAME, {PARAM: value}, value) of one unfolded content line; quoted parameter values may
    hold ; and :. One pass over the line."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char in ";:" and not quoted:
            parts.append("".join(current))
            current = []
            if char == ":":
                value = line[index + 1:]
                break
            continue
        current.append(char)
    else:
        return "", {}, ""
    name, *raw = parts
    params = {}
    for item in raw:
        key, _, val = item.partition("=")
        params[key.strip().upper()] = val.strip().strip('"')
    return name.strip().upper(), params, value.strip()


def reply_fields(text: str, sender: str = "") -> str | None:
    """An invitation answer as the core reads it: "METHOD:REPLY", "UID:…", "SEQUENCE:n",
    "ATTENDEE:address", "PARTSTAT:ACCEPTED|DECLINED|TENTATIVE", one a line; None when the
    text is no REPLY with an answering attendee. Of several attendees (some calendars list
    more than the one who answers) the one with the sender's address counts, else the first."""
    unfolded = re.sub(r"\r?\n[ \t]", "", text[:MAX_ICS_CHARS])
    method = uid = attendee = partstat = ""
    sequence = "0"
    in_event = False
    for line in unfolded.splitlines():
        name, params, value = _content_line(line)
        if name == "METHOD" and not in_event:
            method = value.upper()
        elif name == "BEGIN" and value.upper() == "VEVENT":
            if in_event or uid:
                break  # only the first event counts
            in_event = True
        elif name == "END" and value.upper() == "VEVENT":
            in_event = False
        elif in_event and name == "UID" and not uid:
            uid = value
        elif in_event and name == "SEQUENCE" and value.isdigit():
            sequence = value[:6]
        elif in_event and name == "ATTENDEE" and (
                not attendee or (sender and attendee.lower() != sender)):
            address = value.split(":", 1)[1] if value.lower().startswith("mailto:") else value
            if not attendee or address.strip().lower() == sender:
                attendee, partstat = address, params.get("PARTSTAT", "").upper()
    if method != "REPLY" or not uid or not attendee or partstat not in PARTSTATS:
        return None
    clean = [" ".join(v.split())[:200] for v in (uid, attendee.lower())]
    return (f"METHOD:REPLY\nUID:{clean[0]}\nSEQUENCE:{sequence}\nATTENDEE:{clean[1]}\n"
            f"PARTSTAT:{partstat}")


def calendar_answer(message: Message, sender: str = "",
                    max_parts: int = 50) -> Attachment | None:
    """A calendar's answer to our invitation (iTIP REPLY, inline or as .ics), decoded into the
    normalized lines the core reads (`reply_fields`); what it means is the core's
    business."""
    for number, part in enumerate(message.walk()):
        if number >= max_parts:
            break
        try:
            filename = (part.get_filename() or "").lower()
            if part.get_content_type() not in ("text/calendar", "application/ics") and not (
                    filename.endswith(".ics")):
                continue
            data = part.get_payload(decode=True)
            if not isinstance(data, bytes) or len(data) > MAX_ICS_CHARS:
                continue
            fields = reply_fields(decode_bytes(data, part.get_content_charset()), sender)
        except (ValueError, LookupError, TypeError, AttributeError):
            continue
        if fields is not None:
            return Attachment("kalenderantwort.ics", "text/calendar", fields)
    return None
