"""One hop of a fetch whose exposure a test checks.

Query parameters (all optional):
  tao       the Timing-Allow-Origin value to send (none sent when absent)
  acao      the Access-Control-Allow-Origin value; "none" sends none (default "*")
  redirect  a URL: answer 302 Found with this Location instead of a body
  status    the final response's status code (default 200)
  type      the final body: "text" (default, 32 bytes of text/plain),
            "js" (text/javascript) or "gif" (a 1x1 GIF); a status >= 400
            always sends the 10-byte text body "not found\n"

Every response carries Cache-Control: no-store. A redirect carries
Server-Timing: hop;dur=1, a final response Server-Timing: a;dur=1, b;dur=2.
"""

GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
       b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

BODIES = {
    b"text": (b"text/plain", b"exposure test body of 32 bytes.\n"),
    b"js": (b"text/javascript", b"/* exposure test script */\n"),
    b"gif": (b"image/gif", GIF),
}


def main(request, response):
    query = request.GET
    headers = [(b"Cache-Control", b"no-store")]
    acao = query.first(b"acao", b"*")
    if acao != b"none":
        headers.append((b"Access-Control-Allow-Origin", acao))
    if b"tao" in query:
        headers.append((b"Timing-Allow-Origin", query.first(b"tao")))
    if b"redirect" in query:
        headers.append((b"Location", query.first(b"redirect")))
        headers.append((b"Server-Timing", b"hop;dur=1"))
        return 302, headers, b""
    status = int(query.first(b"status", b"200"))
    content_type, body = BODIES[query.first(b"type", b"text")]
    if status >= 400:
        body = b"not found\n"
    headers.append((b"Content-Type", content_type))
    headers.append((b"Server-Timing", b"a;dur=1, b;dur=2"))
    return status, headers, body
