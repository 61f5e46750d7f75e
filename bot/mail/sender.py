"""Is a mail really from the address in its From? The county's receiving server says so.

The server that takes the mail in checks SPF, DKIM and DMARC and writes the results into an
`Authentication-Results` header (RFC 8601) naming itself (its authserv-id). Anyone can write such
a header into a mail they send, so only headers with the authserv-id named in the configuration
count (`[email] trusted_authserv_id = "mx.landkreis-lueneburg.de"`), and of those only the
topmost, which the receiving server added last (it must remove such headers arriving from
outside, RFC 8601 section 5). A mail counts as verified with `dmarc=pass` for the From domain, or
`dkim=pass` with a signing domain aligned with it (the same domain or a parent of it).

Pure: headers in, a yes or no out. Linear in the header's length.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_HEADER_CHARS = 8192  # longer results are not read (no real server writes that much)


def _without_comments(text: str) -> str:
    """Drop (comments), nested or not, keeping "quoted strings" as they are."""
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
            if not depth:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if not depth:
                out.append(char)
            continue
        if quoted:
            quoted = char != '"'
            out.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif not depth:
            quoted = char == '"'
            out.append(char)
    return "".join(out)


def parse_results(value: str) -> tuple[str, list[tuple[str, str, dict[str, str]]]]:
    """(authserv-id, [(method, result, {ptype.property: value})]) of one header value."""
    parts = [p.strip() for p in _without_comments(value[:MAX_HEADER_CHARS]).split(";")]
    head = parts[0].split()
    authserv_id = head[0].lower() if head else ""
    results = []
    for part in parts[1:]:
        tokens = part.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        props = {}
        for token in tokens[1:]:
            key, eq, val = token.partition("=")
            if eq and "." in key:
                props[key.lower()] = val.strip('"').lower()
        results.append((method.split("/")[0].lower(), result.lower(), props))
    return authserv_id, results


def _aligned(signer: str, from_domain: str) -> bool:
    signer = signer.lstrip("@").rsplit("@", 1)[-1].rstrip(".")
    return bool(signer) and "." in signer and (
        from_domain == signer or from_domain.endswith("." + signer))


def verified(values: Iterable[str], trusted_authserv_id: str, from_address: str) -> bool:
    """True if the topmost Authentication-Results of the trusted server says DMARC pass (or an
    aligned DKIM pass) for the domain of `from_address`."""
    trusted = trusted_authserv_id.strip().lower()
    domain = from_address.rpartition("@")[2].lower().rstrip(".")
    if not trusted or not domain:
        return False
    for value in values:
        authserv_id, results = parse_results(str(value))
        if authserv_id != trusted:
            continue
        for method, result, props in results:
            if result != "pass":
                continue
            if method == "dmarc" and props.get("header.from", domain) == domain:
                return True
            if method == "dkim" and _aligned(props.get("header.d", "") or
                                             props.get("header.i", ""), domain):
                return True
        return False  # only the topmost header of the trusted server counts
    return False
