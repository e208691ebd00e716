// Agent console: plain JS, no framework. The session is an HttpOnly, SameSite=Strict cookie
// set at sign-in; every change also sends the page's CSRF token (double-submit cookie).
const $ = (id) => document.getElementById(id);
const CSRF = document.querySelector('meta[name="csrf-token"]').content;
// The script's own texts, in the page's language (the page's are in src/http/console_text.rs).
const T = {
  en: {
    title: "Candor — agent console", signInFailed: "Sign-in failed",
    waitingItem: (pos, lang, s, why) => `#${pos} · ${lang} · waiting ${ago(s)} · ${why}`,
    lastActivity: (a) => `last activity ${a} ago`, visitorWaits: (a) => `the visitor has waited ${a} for your reply`,
    noHandovers: "No recent hand-overs.", averageWait: (a) => `Recent average wait: ${a}`,
    visitor: "Visitor", bot: "AI assistant", person: (n) => `${n || "Agent"} (person)`,
    note: (n) => `Internal note by ${n || "agent"} — not shown to the visitor`,
    why: (d, c, t) => `Why: ${d}, confidence ${c} (threshold ${t})`,
    whyUnsearched: (d) => `Why: ${d}, without searching the help centre`,
    whyFixed: (d) => `Why: ${d}, a fixed reply (no article answered it)`,
    whySearchFailed: (d) => `Why: ${d}, because searching the help centre failed (see the server log)`,
    decisions: { answer: "answer", no_answer: "no answer", handoff: "handed to a person", small_talk: "small talk" },
    ruleArticle: (a) => `article ${a} always goes to a person`, ruleTag: (t) => `topic “${t}” always goes to a person`,
    triggers: { button: "pressed “talk to a person”", words: "asked for a person", declined_repeatedly: "the assistant could not answer",
      not_helpful_then_question: "an answer did not help", search_failed: "the assistant's search failed" },
    states: { bot: "with the assistant", waiting_for_agent: "waiting for a person", closed: "closed" },
    withYou: "with you", withOther: (n) => `with ${n || "another person"}`,
    status: (w) => `Status: ${w}`, cameBecause: (w) => ` — came to the team: ${w}`, site: (o) => ` — from ${o}`, visitorHere: " — the visitor is on the site", visitorLeft: (a) => ` — the visitor left the site ${a} ago`, writesIn: (l) => ` — writes in ${l}, which the assistant does not answer in`,
    rated: (helped, comment) => ` — the visitor says the help ${helped ? "helped" : "did not help"}${comment ? `: “${comment}”` : ""}`,
    gone: "This conversation no longer exists: the visitor erased it, or its retention period ended. Nothing of it is kept.",
    needResolution: "Say how it was resolved before closing.",
    online: " (online)", nobodyElse: "nobody else on the team",
    passwordChanged: (n) => `Password changed; ${n} other sign-in(s) ended.`,
    seconds: (n) => `${n}s`,
    alertQueue: (n) => (n === 1 ? "A visitor is waiting for a person" : `${n} visitors are waiting for a person`),
    alertReply: "A visitor is waiting for your reply", visitorTyping: "The visitor is typing…",
    alertsBlocked: "The browser blocks alerts from this site: allow them in its site settings.",
    followUpItem: " · ✉ contact back", writesItem: (l) => ` · writes in ${l}`, leftItem: " · left the site",
    followUp: (d) => `Nobody was online: the visitor left these details to be contacted back about this conversation, and for nothing else. They may have left the site: answer them there, then close with how it was resolved — closing deletes the details (at the latest they go on ${d}). `,
    masked: (k) => `Masked before storing and sending: ${k}. Card and social security numbers never go into writing; the shop's own email, phone and IBAN do.`,
    maskedNote: (k) => `Masked in the note before storing: ${k}. Notes keep no personal data.`,
    errors: {},
  },
  fr: {
    title: "Candor — console des agents", signInFailed: "Échec de la connexion",
    waitingItem: (pos, lang, s, why) => `n° ${pos} · ${lang} · attend depuis ${ago(s)} · ${why}`,
    lastActivity: (a) => `dernière activité il y a ${a}`, visitorWaits: (a) => `le visiteur attend votre réponse depuis ${a}`,
    noHandovers: "Aucun passage récent à une personne.", averageWait: (a) => `Attente moyenne récente : ${a}`,
    visitor: "Visiteur", bot: "Assistant IA", person: (n) => `${n || "Agent"} (personne)`,
    note: (n) => `Note interne de ${n || "l'agent"} — jamais montrée au visiteur`,
    why: (d, c, t) => `Pourquoi : ${d}, confiance ${c} (seuil ${t})`,
    whyUnsearched: (d) => `Pourquoi : ${d}, sans chercher dans le centre d'aide`,
    whyFixed: (d) => `Pourquoi : ${d}, une phrase toute faite (aucun article n'y répondait)`,
    whySearchFailed: (d) => `Pourquoi : ${d}, car la recherche dans le centre d'aide a échoué (voir le journal du serveur)`,
    decisions: { answer: "réponse", no_answer: "pas de réponse", handoff: "passée à une personne", small_talk: "formule de politesse" },
    ruleArticle: (a) => `l'article ${a} passe toujours à une personne`, ruleTag: (t) => `le sujet « ${t} » passe toujours à une personne`,
    triggers: { button: "a appuyé sur « parler à une personne »", words: "a demandé une personne", declined_repeatedly: "l'assistant n'a pas su répondre",
      not_helpful_then_question: "une réponse n'a pas aidé", search_failed: "la recherche de l'assistant a échoué" },
    states: { bot: "avec l'assistant", waiting_for_agent: "en attente d'une personne", closed: "close" },
    withYou: "avec vous", withOther: (n) => `avec ${n || "une autre personne"}`,
    status: (w) => `État : ${w}`, cameBecause: (w) => ` — arrivée à l'équipe : ${w}`, site: (o) => ` — depuis ${o}`, visitorHere: " — le visiteur est sur le site", visitorLeft: (a) => ` — le visiteur a quitté le site il y a ${a}`, writesIn: (l) => ` — écrit en ${l}, une langue où l'assistant ne répond pas`,
    rated: (helped, comment) => ` — le visiteur dit que l'aide ${helped ? "l'a aidé" : "ne l'a pas aidé"}${comment ? ` : « ${comment} »` : ""}`,
    gone: "Cette conversation n'existe plus : le visiteur l'a effacée, ou sa durée de conservation est passée. Rien n'en est gardé.",
    needResolution: "Dites comment c'est résolu avant de clore.",
    online: " (en ligne)", nobodyElse: "personne d'autre dans l'équipe",
    passwordChanged: (n) => `Mot de passe changé ; ${n} autre(s) connexion(s) fermée(s).`,
    seconds: (n) => `${n} s`,
    alertQueue: (n) => (n === 1 ? "Un visiteur attend une personne" : `${n} visiteurs attendent une personne`),
    alertReply: "Un visiteur attend votre réponse", visitorTyping: "Le visiteur écrit…",
    alertsBlocked: "Le navigateur bloque les alertes de ce site : autorisez-les dans ses réglages du site.",
    followUpItem: " · ✉ à recontacter", writesItem: (l) => ` · écrit en ${l}`, leftItem: " · a quitté le site",
    followUp: (d) => `Personne n'était en ligne : le visiteur a laissé ces coordonnées pour être recontacté à propos de cette conversation, et pour rien d'autre. Il a peut-être quitté le site : répondez-lui par là, puis clôturez en disant comment c'est résolu — clore efface les coordonnées (au plus tard, elles partent le ${d}). `,
    masked: (k) => `Masqué avant l'enregistrement et l'envoi : ${k}. Les numéros de carte et de sécurité sociale ne s'écrivent jamais ; l'e-mail, le téléphone et l'IBAN de la boutique, si.`,
    maskedNote: (k) => `Masqué dans la note avant l'enregistrement : ${k}. Les notes ne gardent aucune donnée personnelle.`,
    // Errors whose server text says nothing more than the code; the others name a field or
    // a limit, and are shown as the server wrote them.
    errors: {
      invalid_credentials: "E-mail ou mot de passe incorrect.",
      account_disabled: "Ce compte est désactivé : voyez avec un administrateur.",
      csrf_failed: "La page a expiré : rechargez-la.",
      rate_limited: "Trop d'essais : attendez un peu avant de recommencer.",
      already_claimed: "Quelqu'un d'autre tient cette conversation, ou elle n'attend plus.",
      not_holder: "Seule la personne qui tient la conversation peut le faire : prenez-la d'abord.",
      conversation_closed: "Cette conversation est close.",
      unavailable: "Le serveur ne joint pas sa base de données : réessayez dans quelques secondes.",
      internal: "Erreur du serveur : réessayez ; si elle revient, prévenez l'équipe technique.",
    },
  },
}[document.documentElement.lang === "fr" ? "fr" : "en"];
let current = null;
let lastSeq = 0;
let known = new Set();
// Held conversations whose visitor waits for a reply, as of the last refresh.
let awaiting = new Set();
const ago = (s) => (s < 60 ? T.seconds(s) : `${Math.floor(s / 60)} min`);
// The signed-in person's account id and the team, from /api/v1/agent/team.
let me = null;
let team = [];
let toolsLoaded = Promise.resolve();

// The server's error in the console's language when it is a common one, else as written.
const errorText = (body, res) => (body.error && T.errors[body.error.code]) || (body.error ? body.error.message : res.statusText);

async function api(path, options = {}) {
  const res = await fetch(path, { ...options, credentials: "same-origin", headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF } });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) { showLogin(); }
  if (!res.ok) throw Object.assign(new Error(errorText(body, res)), { status: res.status });
  return body;
}

// The open conversation no longer exists (the visitor erased it, or its retention period
// ended): nothing of it stays on the screen either.
function gone(id) {
  if (current !== id) return;
  current = null;
  hideCloseForm();
  $("transcript").textContent = "";
  showFollowUp(null);
  $("status").textContent = T.gone;
  for (const b of ["claim", "release", "close", "send", "transfer", "note"]) $(b).disabled = true;
  refreshQueue();
}

function node(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text !== undefined) n.textContent = text;
  return n;
}

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const res = await fetch("/api/v1/auth/session", { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
    body: JSON.stringify({ email: $("email").value, password: $("password").value }) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) { $("login-error").textContent = body.error ? errorText(body, res) : T.signInFailed; return; }
  $("password").value = "";
  show();
});

async function refreshQueue() {
  try {
    const lang = $("lang").value;
    const q = await api("/api/v1/agent/queue" + (lang ? `?lang=${lang}` : ""));
    const list = $("queue");
    list.textContent = "";
    for (const c of q.waiting) {
      const b = node("button", "item", T.waitingItem(c.position, c.locale.toUpperCase(), c.waiting_seconds, triggerWords(c.trigger))
        + (c.writes_in ? T.writesItem(languageName(c.writes_in)) : "") + (c.visitor && !c.visitor.online ? T.leftItem : "")
        + (c.follow_up ? T.followUpItem : ""));
      b.type = "button";
      b.addEventListener("click", () => open(c.id));
      const li = node("li");
      li.appendChild(b);
      list.appendChild(li);
    }
    const mine = $("mine");
    mine.textContent = "";
    for (const c of q.mine) {
      const waits = c.visitor_waiting_seconds;
      const b = node("button", waits == null ? "item" : "item awaiting",
        `${c.locale.toUpperCase()} · ` + (waits == null ? T.lastActivity(ago(c.idle_seconds)) : T.visitorWaits(ago(waits)))
        + (c.writes_in ? T.writesItem(languageName(c.writes_in)) : "") + (c.visitor && !c.visitor.online ? T.leftItem : "")
        + (c.follow_up ? T.followUpItem : ""));
      b.type = "button";
      b.addEventListener("click", () => open(c.id));
      const li = node("li");
      li.appendChild(b);
      mine.appendChild(li);
    }
    $("mine-empty").hidden = q.mine.length > 0;
    $("queue-empty").hidden = q.waiting.length > 0;
    const newWaiting = q.waiting.filter((c) => !known.has(c.id));
    const newReplies = q.mine.filter((c) => c.visitor_waiting_seconds != null && !awaiting.has(c.id));
    const fresh = newWaiting.length + newReplies.length;
    if (primed) desktopAlert(newWaiting, newReplies);
    primed = true;
    q.waiting.forEach((c) => known.add(c.id));
    awaiting = new Set(q.mine.filter((c) => c.visitor_waiting_seconds != null).map((c) => c.id));
    const count = q.waiting.length + awaiting.size;
    document.title = (count ? `(${count}) ` : "") + T.title;
    if (fresh && document.hidden) document.title = "🔔 " + document.title;
    $("estimate").textContent = q.estimated_wait_seconds == null ? T.noHandovers : T.averageWait(ago(q.estimated_wait_seconds));
  } catch (e) { $("error").textContent = e.message; }
}

// Desktop alerts, when the agent turned them on and the console is not in front of them: one
// per change, saying who waits and why but never what the visitor wrote (an alert can show
// on a locked screen). Clicking it brings the console back with that conversation open.
let primed = false; // the first refresh after sign-in lists what was already there: no alert
const alertsOn = () => "Notification" in window && Notification.permission === "granted"
  && localStorage.getItem("candor.alerts") === "on";
function desktopAlert(newWaiting, newReplies) {
  if (!alertsOn() || (!document.hidden && document.hasFocus())) return;
  const [first, title, body] = newWaiting.length
    ? [newWaiting[0], T.alertQueue(newWaiting.length), `${newWaiting[0].locale.toUpperCase()} · ${triggerWords(newWaiting[0].trigger)}`]
    : newReplies.length ? [newReplies[0], T.alertReply, newReplies[0].locale.toUpperCase()] : [null];
  if (!first) return;
  const n = new Notification(title, { body, tag: "candor-console", lang: document.documentElement.lang });
  n.onclick = () => { window.focus(); open(first.id); n.close(); };
}
function showAlertsButton() {
  const b = $("notify");
  b.hidden = !("Notification" in window);
  b.setAttribute("aria-pressed", String(alertsOn()));
}
$("notify").addEventListener("click", async () => {
  if (alertsOn()) { localStorage.setItem("candor.alerts", "off"); showAlertsButton(); return; }
  const answer = await Notification.requestPermission();
  if (answer === "granted") localStorage.setItem("candor.alerts", "on");
  else $("error").textContent = T.alertsBlocked;
  showAlertsButton();
});

function render(m) {
  const box = node("div", "msg " + m.author);
  const who = { visitor: T.visitor, bot: T.bot, agent: T.person(m.author_name), system: "", note: T.note(m.author_name) }[m.author];
  // When it was written, in the agent's own time zone (the full date on hover).
  const at = new Date(m.created_at);
  const time = node("time", "", isNaN(at) ? "" : at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  if (!isNaN(at)) { time.dateTime = m.created_at; time.title = at.toLocaleString(); }
  const head = node("span", "who", who || "");
  if (who) head.appendChild(document.createTextNode(" · "));
  head.appendChild(time);
  box.appendChild(head);
  box.appendChild(node("span", "", m.text));
  if (m.why) {
    const d = node("details");
    const pct = (x) => `${Math.round(x * 100)} %`;
    const decision = T.decisions[m.why.decision] || m.why.decision;
    // A hand-over the visitor asked for, or a question in another language, searched
    // nothing: no confidence to give; small talk got a fixed sentence, which none is about.
    const unsearched = m.why.rule === "human_requested" || m.why.rule === "unsupported_language";
    const summary = unsearched ? T.whyUnsearched(decision)
      : m.why.rule === "small_talk" ? T.whyFixed(decision)
      : m.why.rule === "search_failed" ? T.whySearchFailed(decision)
      : T.why(decision, pct(m.why.confidence), pct(m.why.threshold));
    d.appendChild(node("summary", "", summary));
    d.appendChild(node("p", "", m.why.explanation));
    for (const c of m.why.candidates) d.appendChild(node("p", "", `${c.article_id} · score ${c.score} · ${c.matched_terms.join(", ")}`));
    box.appendChild(d);
  }
  $("transcript").appendChild(box);
  $("transcript").scrollTop = $("transcript").scrollHeight;
}

async function open(id) {
  current = id;
  hideCloseForm();
  let c;
  try { c = await api(`/api/v1/agent/conversations/${id}`); }
  catch (e) { if (e.status === 404) gone(id); else $("error").textContent = e.message; return; }
  await toolsLoaded.catch(() => {}); // who "you" are decides which actions are on
  if (current !== id) return;
  $("transcript").textContent = "";
  visitorTyping(false);
  c.messages.forEach(render);
  lastSeq = c.messages.reduce((m, x) => Math.max(m, x.seq), 0);
  describe(c);
  follow(id);
}

// Why the conversation came to the queue (the triggers of src/answer/escalation.rs), in words.
function triggerWords(t) {
  if (!t) return "";
  if (t.startsWith("rule:article:")) return T.ruleArticle(t.slice(13));
  if (t.startsWith("rule:tag:")) return T.ruleTag(t.slice(9));
  return T.triggers[t] || t;
}
// The state in words, and only the actions that state allows (the server refuses the others:
// claiming what is not waiting, replying to what someone else holds).
// A language's name in the console's language ("de" → "German", « allemand »).
function languageName(code) {
  try { return new Intl.DisplayNames([document.documentElement.lang || "en"], { type: "language" }).of(code); }
  catch (_) { return code; }
}

function describe(c) {
  const holder = team.find((p) => p.id === c.agent_id);
  const mine = c.status === "with_agent" && me !== null && c.agent_id === me;
  const words = c.status === "with_agent" ? (mine ? T.withYou : T.withOther(holder && holder.name)) : T.states[c.status] || c.status;
  const why = c.handoff_trigger ? T.cameBecause(triggerWords(c.handoff_trigger)) : "";
  // Which of the shop's sites the visitor wrote from (the widget's origin; never the page).
  const site = c.origin ? T.site(c.origin.replace(/^https?:\/\//, "")) : "";
  // A visitor whose latest question was in German (say) needs someone who reads it.
  const latest = (c.messages || []).slice().reverse().find((m) => m.why);
  const writes = latest && latest.why.written_in ? T.writesIn(languageName(latest.why.written_in)) : "";
  // Whether the visitor's widget still follows the conversation: worth waiting for an answer,
  // or better to use the follow-up details.
  const v = c.status !== "closed" && c.visitor;
  const presence = !v ? "" : v.online ? T.visitorHere : T.visitorLeft(ago(v.seen_seconds_ago));
  $("status").textContent = T.status(words) + why + (c.handoff_reason && c.handoff_reason !== "widget button" ? ` (“${c.handoff_reason}”)` : "") + writes + site + presence
    + (c.rating ? T.rated(c.rating.helped, c.rating.comment) : "");
  showFollowUp(c.contact);
  $("claim").disabled = c.status !== "waiting_for_agent";
  for (const b of ["release", "close", "send"]) $(b).disabled = !mine;
  $("transfer").disabled = !mine || !team.some((p) => !p.you);
  $("note").disabled = false;
}

// The details a visitor left to be contacted back, as links the agent can use at once.
function showFollowUp(k) {
  const p = $("follow-up");
  p.textContent = "";
  p.hidden = !k;
  if (!k) return;
  p.appendChild(document.createTextNode(T.followUp(new Date(k.deleted_by).toLocaleDateString())));
  const links = [[k.email, "mailto:"], [k.phone, "tel:"]].filter(([v]) => v);
  links.forEach(([v, scheme], i) => {
    const a = node("a", "", v);
    a.href = scheme + (scheme === "tel:" ? v.replace(/[^+\d]/g, "") : v);
    if (i) p.appendChild(document.createTextNode(" · "));
    p.appendChild(a);
  });
}

// The open conversation's status line again every 15 s: whether the visitor is still on the
// site changes without any event.
setInterval(() => {
  const id = current;
  if (id) api(`/api/v1/agent/conversations/${id}`).then((c) => { if (current === id) describe(c); }).catch(() => {});
}, 15000);

// "The visitor is typing…" under the transcript for a few seconds after each signal.
let typingTimer = null;
function visitorTyping(on) {
  clearTimeout(typingTimer);
  $("visitor-typing").textContent = T.visitorTyping;
  $("visitor-typing").hidden = !on;
  if (on) typingTimer = setTimeout(() => { $("visitor-typing").hidden = true; }, 6000);
}

async function follow(id) {
  while (current === id) {
    try {
      await readEvents(`/api/v1/agent/conversations/${id}/events?after=${lastSeq}`, null, (event, p) => {
        if (event === "message" && p.seq > lastSeq) { lastSeq = p.seq; render(p); if (p.author === "visitor") visitorTyping(false); }
        if (event === "typing" && p.visitor && current === id) visitorTyping(true);
        if (event === "status") api(`/api/v1/agent/conversations/${id}`).then((c) => { if (current === id) describe(c); }).catch(() => {});
      }, () => current === id);
    } catch (_) { /* reconnect below */ }
    // The stream ended or was refused: still there?
    await api(`/api/v1/agent/conversations/${id}`).catch((e) => { if (e.status === 404) gone(id); });
    await new Promise((r) => setTimeout(r, 1500));
  }
}

// Runs one action on the open conversation; gives the server's answer if it took it (false
// if not), so a reply or a note the server refused stays in the box instead of being lost.
// With `retry` (a reply or note under its client_id, safe to send twice), a dropped
// connection (no status) or a server briefly without its database (503) gets one more try
// after 1.5 s before the error shows.
async function act(path, body, retry) {
  $("error").textContent = "";
  const id = current;
  const post = () => api(`/api/v1/agent/conversations/${id}/${path}`, { method: "POST", body: JSON.stringify(body || {}) });
  let answer;
  try {
    answer = await post().catch(async (e) => {
      if (!retry || (e.status !== undefined && e.status !== 503)) throw e;
      await new Promise((r) => setTimeout(r, 1500));
      return post();
    });
  } catch (e) { if (e.status === 404) gone(id); else $("error").textContent = e.message; return false; }
  refreshQueue();
  api(`/api/v1/agent/conversations/${id}`).then((c) => { if (current === id) describe(c); })
    .catch((e) => { $("error").textContent = e.message; });
  return answer || {};
}
$("claim").addEventListener("click", () => act("claim"));
$("transfer").addEventListener("click", () => { if ($("transfer-to").value) act("transfer", { agent_id: $("transfer-to").value }); });
// A reply or note keeps its name while its text is unchanged: when the answer to a send is
// lost, sending again gets the stored message back instead of writing it twice.
let pending = null;
const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
async function sendText(path, text) {
  if (!pending || pending.text !== text || pending.path !== path || pending.conv !== current) {
    pending = { text, path, conv: current, id: newId() };
  }
  const sent = await act(path, { text, client_id: pending.id }, true);
  if (sent) pending = null;
  // Card or social security numbers in a reply are stored (and shown to the visitor) masked:
  // the agent learns it here rather than by reading the transcript.
  const kinds = sent && sent.redacted && sent.redacted.length ? sent.redacted.join(", ") : "";
  const masked = !kinds ? "" : path === "notes" ? T.maskedNote(kinds) : T.masked(kinds);
  $("masked").textContent = masked;
  $("masked").hidden = !masked;
  return sent;
}
$("note").addEventListener("click", async () => {
  const text = $("reply-text").value.trim();
  if (!text || !current) return;
  if (await sendText("notes", text)) $("reply-text").value = "";
});
$("lang").addEventListener("change", refreshQueue);
$("canned").addEventListener("change", () => {
  const opt = $("canned").selectedOptions[0];
  if (opt && opt.dataset.text) $("reply-text").value = opt.dataset.text;
});

async function loadTools() {
  const canned = await api("/api/v1/agent/canned");
  for (const c of canned) {
    for (const lang of ["fr", "en"]) {
      const o = node("option", "", `${c.title} (${lang})`);
      o.dataset.text = c[lang];
      $("canned").appendChild(o);
    }
  }
  team = await api("/api/v1/agent/team");
  me = (team.find((p) => p.you) || {}).id || null;
  // Nobody transfers a conversation to themselves.
  const others = team.filter((p) => !p.you);
  for (const p of others) {
    const o = node("option", "", p.name + (p.online ? T.online : ""));
    o.value = p.id;
    $("transfer-to").appendChild(o);
  }
  if (!others.length) $("transfer-to").appendChild(node("option", "", T.nobodyElse));
}
$("release").addEventListener("click", () => act("release"));
// Closing asks for the resolution in the page (a browser prompt() can be blocked and cannot be
// styled or checked); the conversation stays open until the agent confirms.
function hideCloseForm() { $("close-form").hidden = true; $("resolution").value = ""; }
$("close").addEventListener("click", () => { $("close-form").hidden = false; $("resolution").focus(); });
$("close-cancel").addEventListener("click", () => { hideCloseForm(); $("close").focus(); });
$("close-form").addEventListener("keydown", (e) => { if (e.key === "Escape") $("close-cancel").click(); });
$("close-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const resolution = $("resolution").value.trim();
  if (!resolution) { $("error").textContent = T.needResolution; return; }
  if (await act("close", { resolution })) hideCloseForm();
});
// While the holder types, the visitor's widget says "<name> is typing…" (at most one signal
// every 3 s; nothing is stored, and a lost one does not matter).
// Ticking "internal note" first keeps a note from showing the visitor that someone types.
let typingSent = 0;
const noting = () => $("note-mode").checked;
$("note-mode").addEventListener("change", () => { $("reply-text").classList.toggle("noting", noting()); $("reply-text").focus(); });
$("reply-text").addEventListener("input", () => {
  if (noting() || $("send").disabled || !current || Date.now() - typingSent < 3000) return;
  typingSent = Date.now();
  fetch(`/api/v1/agent/conversations/${current}/typing`, { method: "POST", credentials: "same-origin",
    headers: { "X-CSRF-Token": CSRF } }).catch(() => {});
});
// Ctrl+Enter (⌘+Enter on a Mac) sends to the visitor; a plain Enter is a new line, so that a
// note being typed in the same box never reaches the visitor by a slip of the finger.
$("reply-text").addEventListener("keydown", (e) => {
  if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey)) return;
  e.preventDefault();
  if (noting()) { if (!$("note").disabled) $("note").click(); }
  else if (!$("send").disabled) $("reply").requestSubmit();
});
$("reply").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("reply-text").value.trim();
  if (!text || !current) return;
  if (await sendText("messages", text)) $("reply-text").value = "";
});

let polling = null;
function showLogin() {
  clearInterval(polling);
  current = null;
  $("login").hidden = false;
  $("console").hidden = true;
  $("logout").hidden = true;
  $("change-password").hidden = true;
  $("password-form").hidden = true;
  $("notify").hidden = true;
  primed = false;
}
function show() {
  $("login").hidden = true;
  $("console").hidden = false;
  $("logout").hidden = false;
  $("change-password").hidden = false;
  showAlertsButton();
  refreshQueue();
  toolsLoaded = loadTools();
  toolsLoaded.catch((e) => { $("error").textContent = e.message; });
  // Live: the server announces every queue change; a slow poll covers a lost connection.
  followQueue();
  polling = setInterval(refreshQueue, 15000);
}
let followingQueue = false;
async function followQueue() {
  if (followingQueue) return;
  followingQueue = true;
  while (!$("console").hidden) {
    try { await readEvents("/api/v1/agent/events", null, () => refreshQueue(), () => !$("console").hidden); }
    catch (_) { /* reconnect below */ }
    await new Promise((r) => setTimeout(r, 2000));
  }
  followingQueue = false;
}
$("change-password").addEventListener("click", () => {
  const form = $("password-form");
  form.hidden = !form.hidden;
  $("change-password").setAttribute("aria-expanded", String(!form.hidden));
  if (!form.hidden) $("current-password").focus();
});
$("password-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("password-error").textContent = "";
  $("password-status").textContent = "";
  try {
    const r = await api("/api/v1/auth/password", { method: "POST", body: JSON.stringify({
      current_password: $("current-password").value, new_password: $("new-password").value }) });
    $("current-password").value = "";
    $("new-password").value = "";
    $("password-status").textContent = T.passwordChanged(r.other_sessions_ended);
  } catch (err) { $("password-error").textContent = err.message; }
});
$("logout").addEventListener("click", async () => {
  await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": CSRF } });
  showLogin();
});
// Already signed in (the session cookie is still valid)?
fetch("/api/v1/agent/queue", { credentials: "same-origin" }).then((r) => { if (r.ok) show(); });
