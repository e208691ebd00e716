// Shared by the widget and the console. Reads a server-sent event stream with fetch, so the
// token travels in a header (EventSource cannot send one), and calls onEvent(name, data) for
// each event. Resolves false when the server refused, true when the stream ended or
// keepGoing() turned false.
// Without a token (the console), the same-site session cookie authenticates instead.
async function readEvents(url, token, onEvent, keepGoing) {
  const auth = token ? { headers: { Authorization: "Bearer " + token }, credentials: "omit" } : { credentials: "same-origin" };
  const res = await fetch(url, auth);
  if (!res.ok) return false;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done || !keepGoing()) return true;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const name = (block.match(/^event: (.*)$/m) || [])[1];
      const data = (block.match(/^data: (.*)$/m) || [])[1];
      if (data) onEvent(name, JSON.parse(data));
    }
  }
}
