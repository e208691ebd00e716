// Candor chat widget: one <script src=".../widget.js" data-locale="fr"> tag adds it.
// Shadow DOM so the shop's styles never leak in; no framework, no cookies, no request to
// anyone but the Candor server the script came from. Text is always set with textContent.
const script = document.currentScript;
const BASE = new URL(script.src, location.href).origin;
const wanted = (script.dataset.locale || navigator.language || "en").slice(0, 2).toLowerCase();
const LANG = wanted === "fr" ? "fr" : "en";
const T = {
  fr: {
    open: "Aide", title: "Assistant du service client (IA)", close: "Fermer la discussion",
    aiNotice: "Vous parlez à une IA", dataUse: "Vos données", placeholder: "Écrivez votre question…",
    send: "Envoyer", human: "Parler à une personne", you: "Vous", bot: "Assistant IA",
    agent: "Personne de l'équipe", source: "Source :", why: "Pourquoi cette réponse ?",
    hideWhy: "Masquer l'explication", decision: "Décision", confidence: "Confiance",
    threshold: "Seuil", rule: "Règle", considered: "Articles examinés", matched: "mots trouvés",
    none: "aucun", kb: "Version de la base", semantic: "Proximité de sens (modèle de langue)", meaning: "sens", words: "mots", apart: "en tête par ce qui le distingue des autres articles", second: "Second avis (le premier modèle hésitait)", alone: "le premier seul", label: "Votre message", queued: (n) => `Demande transmise à l'équipe. Position dans la file : ${n}.`,
    waiting: "En attente d'une personne de l'équipe. L'assistant ne répond plus.",
    nobody: "Personne de l'équipe n'est connecté pour le moment : laissez vos coordonnées ci-dessous pour être recontacté, ou restez dans la file.",
    estimate: (m) => `Attente estimée : environ ${m} min.`,
    error: "Le message n'a pas pu être envoyé. Réessayez.", loading: "Connexion…",
    decisions: { answer: "réponse", no_answer: "pas de réponse", handoff: "transmis à une personne", small_talk: "formule de politesse" },
    // The rule's code stays beside these words: it is what the shop's audit log names.
    rules: {
      human_requested: "vous avez demandé une personne", above_threshold: "confiance au niveau du seuil ou au-dessus",
      below_threshold: "confiance sous le seuil", no_match: "aucun article ne correspond",
      example_question: "presque la même question qu'une question de l'article", operator_rule: "ce sujet passe toujours à une personne",
      declined_repeatedly: "plusieurs questions de suite sans réponse", not_helpful: "la réponse précédente n'a pas aidé",
      semantic_match: "un article proche par le sens", semantic_mismatch: "aucun article assez proche par le sens",
      small_talk: "une formule de politesse, pas une question", unsupported_language: "une langue où l'assistant ne répond pas",
      search_failed: "la recherche dans le centre d'aide a échoué",
    },
    keep: "J'accepte que cette conversation soit gardée pour améliorer le service (facultatif)",
    restart: "Nouvelle conversation", closedHint: "Cette conversation est terminée.", wasHelpful: "Utile ?", yes: "Oui", no: "Non", helpful: "Réponse utile", unhelpful: "Réponse pas utile", thanks: "Merci pour votre avis.",
    privacy: "Page confidentialité", howItWorks: "Comment fonctionne l'assistant", download: "Télécharger mes données", erase: "Effacer la conversation",
    eraseConfirm: "Effacer définitivement cette conversation et tout ce qui s'y rapporte ?",
    erased: "La conversation a été effacée. Rien n'en est gardé, à part des compteurs anonymes.",
    hidden: (k) => `Données personnelles masquées avant enregistrement : ${k}`,
    rateTitle: "La personne de l'équipe vous a-t-elle aidé ?", rateYes: "Oui, cela m'a aidé", rateNo: "Non, pas vraiment",
    rateComment: "Un commentaire ? (facultatif)", rateSend: "Envoyer mon avis", rateThanks: "Merci : votre avis aide l'équipe à mieux vous servir.",
    contactTitle: "Être recontacté par l'équipe", email: "E-mail", phone: "Téléphone",
    contactConsent: "J'accepte que ces coordonnées servent uniquement à me recontacter à propos de cette conversation",
    contactSend: "Envoyer mes coordonnées", contactSaved: (d) => `Merci. Vos coordonnées seront effacées au plus tard dans ${d} jours.`,
    unread: (n) => n === 1 ? "Aide : 1 nouveau message" : `Aide : ${n} nouveaux messages`,
    typing: (name) => `${name} écrit…`,
    // The server's messages are in English; the visitor reads these instead.
    errors: {
      rate_limited: "Trop de messages d'un coup : attendez une minute, puis réessayez.",
      message_too_long: "Ce message est trop long : 2 000 caractères au plus.",
      empty_message: "Ce message est vide.",
      conversation_closed: "Cette conversation est terminée : commencez-en une nouvelle.",
      unavailable: "Le service est momentanément indisponible ; rien n'a été enregistré. Réessayez dans quelques secondes.",
      consent_required: "Cochez la case d'accord pour que nous gardions vos coordonnées.",
      invalid_contact: "Cet e-mail ou ce numéro ne semble pas valide.",
    },
  },
  en: {
    open: "Help", title: "Customer-service assistant (AI)", close: "Close the chat",
    aiNotice: "You are talking to an AI", dataUse: "Your data", placeholder: "Type your question…",
    send: "Send", human: "Talk to a person", you: "You", bot: "AI assistant",
    agent: "Team member (a person)", source: "Source:", why: "Why this answer?",
    hideWhy: "Hide the explanation", decision: "Decision", confidence: "Confidence",
    threshold: "Threshold", rule: "Rule", considered: "Articles considered", matched: "words found",
    none: "none", kb: "Knowledge-base version", semantic: "Closeness in meaning (language model)", meaning: "meaning", words: "words", apart: "first by what sets it apart from the other articles", second: "Second opinion (the first model was unsure)", alone: "the first alone", label: "Your message", queued: (n) => `Passed to the team. Your place in the queue: ${n}.`,
    waiting: "Waiting for a team member. The assistant no longer answers.",
    nobody: "Nobody from the team is online right now: leave your details below to be contacted back, or stay in the queue.",
    estimate: (m) => `Estimated wait: about ${m} min.`,
    error: "The message could not be sent. Please try again.", loading: "Connecting…",
    decisions: { answer: "answer", no_answer: "no answer", handoff: "handed to a person", small_talk: "small talk" },
    rules: {
      human_requested: "you asked for a person", above_threshold: "confidence at or above the threshold",
      below_threshold: "confidence below the threshold", no_match: "no article matches",
      example_question: "almost the same as one of the article's questions", operator_rule: "this topic always goes to a person",
      declined_repeatedly: "several questions in a row without an answer", not_helpful: "the previous answer did not help",
      semantic_match: "an article close in meaning", semantic_mismatch: "no article close enough in meaning",
      small_talk: "small talk, not a question", unsupported_language: "a language the assistant does not answer in",
      search_failed: "searching the help centre failed",
    },
    keep: "I agree that this conversation is kept to improve the service (optional)",
    restart: "New conversation", closedHint: "This conversation has ended.", wasHelpful: "Helpful?", yes: "Yes", no: "No", helpful: "Helpful answer", unhelpful: "Not a helpful answer", thanks: "Thank you for your feedback.",
    privacy: "Privacy page", howItWorks: "How the assistant works", download: "Download my data", erase: "Erase the conversation",
    eraseConfirm: "Erase this conversation and everything about it for good?",
    erased: "The conversation was erased. Nothing of it is kept, apart from anonymous counts.",
    hidden: (k) => `Personal data masked before storage: ${k}`,
    rateTitle: "Did the person from the team help you?", rateYes: "Yes, it helped", rateNo: "No, not really",
    rateComment: "A comment? (optional)", rateSend: "Send my rating", rateThanks: "Thank you: your rating helps the team serve you better.",
    contactTitle: "Be contacted by the team", email: "Email", phone: "Phone",
    contactConsent: "I agree that these details are used only to contact me about this conversation",
    contactSend: "Send my details", contactSaved: (d) => `Thank you. Your details will be deleted within ${d} days at the latest.`,
    unread: (n) => n === 1 ? "Help: 1 new message" : `Help: ${n} new messages`,
    typing: (name) => `${name} is typing…`,
    errors: {
      rate_limited: "Too many messages at once: wait a minute, then try again.",
      message_too_long: "This message is too long: 2,000 characters at most.",
      empty_message: "This message is empty.",
      conversation_closed: "This conversation has ended: start a new one.",
      unavailable: "The service is briefly unavailable; nothing was saved. Try again in a few seconds.",
      consent_required: "Tick the box to agree that we keep your details.",
      invalid_contact: "This email or number does not look valid.",
    },
  },
}[LANG];
const STORE_KEY = "candor:" + BASE;

const host = document.createElement("div");
host.setAttribute("data-candor", "");
document.body.appendChild(host);
const root = host.attachShadow({ mode: "open" });
const style = document.createElement("style");
style.textContent = CANDOR_CSS;
root.appendChild(style);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c) node.appendChild(c);
  return node;
}

const launcher = el("button", { class: "launcher", type: "button", "aria-expanded": "false", "aria-controls": "candor-panel", text: T.open });
// Messages from the team (or the assistant's notices) that arrived while the panel was closed:
// counted on the launcher, as the visitor may have minimised the chat to keep browsing.
let unread = 0;
function showUnread() {
  launcher.textContent = T.open;
  if (unread) {
    launcher.appendChild(el("span", { class: "badge", "aria-hidden": "true", text: String(unread) }));
    launcher.setAttribute("aria-label", T.unread(unread));
  } else launcher.removeAttribute("aria-label");
}
const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": T.title });
const input = el("textarea", { rows: "2", maxlength: "2000", placeholder: T.placeholder, "aria-label": T.label });
const sendBtn = el("button", { type: "submit", text: T.send });
const form = el("form", {}, input, sendBtn);
const humanBtn = el("button", { type: "button", text: T.human });
const downloadBtn = el("button", { type: "button", text: T.download });
const eraseBtn = el("button", { type: "button", text: T.erase });
const errorBox = el("div", { class: "error", role: "alert" });
// Live queue position while waiting for a person (polite live region).
const statusLine = el("div", { class: "status", role: "status", "aria-live": "polite" });
const closeBtn = el("button", { type: "button", "aria-label": T.close, text: "×" });
// "Camille is typing…" while the person writes (not a live region: it would be read out
// every few seconds); gone when their message arrives or after a few quiet seconds.
const typingLine = el("div", { class: "typing", hidden: "" });
let typingTimer = null;
function showTyping(name) {
  typingLine.textContent = T.typing(name);
  typingLine.hidden = false;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(hideTyping, 6000);
}
function hideTyping() { clearTimeout(typingTimer); typingLine.hidden = true; }
const panel = el("section", { class: "panel", id: "candor-panel", role: "dialog", "aria-label": T.title, hidden: "" },
  el("div", { class: "head" }, el("h2", { text: T.title }), closeBtn),
  log, typingLine, statusLine, el("div", { class: "actions" }, humanBtn, downloadBtn, eraseBtn), errorBox, form);
root.append(launcher, panel);

let conv = null;
try { conv = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null"); } catch (_) { conv = null; }

async function api(path, options) {
  const headers = { "Content-Type": "application/json" };
  if (conv) headers.Authorization = "Bearer " + conv.token;
  let res;
  try { res = await fetch(BASE + path, { ...options, headers, credentials: "omit" }); }
  catch (_) { throw Object.assign(new Error(T.error), { status: 0 }); } // offline, or the server is down
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const code = body.error && body.error.code;
    throw Object.assign(new Error(T.errors[code] || T.error), { status: res.status, code });
  }
  return body;
}

function showNotice(d, keep) {
  const box = el("input", { type: "checkbox", id: "candor-keep" });
  box.checked = !!keep;
  box.addEventListener("change", async () => {
    try { await api(`/api/v1/conversations/${conv.id}/consent`, { method: "PUT", body: JSON.stringify({ keep_transcript: box.checked }) }); }
    catch (e) { box.checked = !box.checked; errorBox.textContent = e.message; }
  });
  log.appendChild(el("div", { class: "notice" },
    el("h3", { text: T.aiNotice }), el("p", { text: d.ai_notice }),
    el("h3", { text: T.dataUse }), el("p", { text: d.data_use }),
    el("p", {}, box, el("label", { for: "candor-keep", text: " " + T.keep })),
    el("p", {}, el("a", { href: `${BASE}/privacy?lang=${LANG}`, target: "_blank", rel: "noopener", text: T.privacy }), document.createTextNode(" · "),
      el("a", { href: `${BASE}/transparency?lang=${LANG}`, target: "_blank", rel: "noopener", text: T.howItWorks }))));
}

function showContactForm() {
  if (log.querySelector(".contact")) return;
  const email = el("input", { type: "email", id: "candor-email", autocomplete: "email" });
  const phone = el("input", { type: "tel", id: "candor-phone", autocomplete: "tel" });
  const agree = el("input", { type: "checkbox", id: "candor-contact-ok" });
  const send = el("button", { type: "submit", text: T.contactSend });
  const f = el("form", { class: "contact", "aria-label": T.contactTitle },
    el("strong", { text: T.contactTitle }),
    el("label", { for: "candor-email", text: T.email }), email,
    el("label", { for: "candor-phone", text: T.phone }), phone,
    el("span", {}, agree, el("label", { for: "candor-contact-ok", text: " " + T.contactConsent })), send);
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    errorBox.textContent = "";
    try {
      const r = await api(`/api/v1/conversations/${conv.id}/contact`, { method: "POST", body: JSON.stringify({ email: email.value || null, phone: phone.value || null, consent: agree.checked }) });
      f.replaceWith(el("p", { class: "msg system", text: T.contactSaved(r.kept_days) }));
    } catch (err) { errorBox.textContent = err.message; }
  });
  log.appendChild(f);
}

// Once a person closed the conversation, the visitor may say whether they were helped.
let hadPerson = false;
function showRatingForm() {
  if (log.querySelector(".rating")) return;
  const choice = (value, id, text) => el("span", {},
    el("input", { type: "radio", name: "candor-helped", id, value }), el("label", { for: id, text: " " + text }));
  const comment = el("textarea", { id: "candor-rate-comment", rows: "2", maxlength: "500" });
  const f = el("form", { class: "rating" },
    el("fieldset", {}, el("legend", { text: T.rateTitle }),
      choice("yes", "candor-helped-yes", T.rateYes), choice("no", "candor-helped-no", T.rateNo)),
    el("label", { for: "candor-rate-comment", text: T.rateComment }), comment,
    el("button", { type: "submit", text: T.rateSend }));
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    errorBox.textContent = "";
    const picked = f.querySelector("input[name=candor-helped]:checked");
    if (!picked) { f.querySelector("input").focus(); return; }
    try {
      await api(`/api/v1/conversations/${conv.id}/rating`, { method: "POST", body: JSON.stringify({ helped: picked.value === "yes", comment: comment.value.trim() || null }) });
      f.replaceWith(el("p", { class: "msg system", text: T.rateThanks }));
    } catch (err) { errorBox.textContent = err.message; }
  });
  log.appendChild(f);
  log.scrollTop = log.scrollHeight;
}

// The conversation's status as the live stream last said it.
let liveStatus = null;
function showLiveStatus(p) {
  liveStatus = p.status;
  if (p.status === "waiting_for_agent") {
    statusLine.textContent = p.queue_position ? T.queued(p.queue_position) : T.waiting;
    showContactForm();
  } else statusLine.textContent = "";
  if (p.status === "closed" && hadPerson) showRatingForm();
  if (p.status === "closed") showClosed();
}

// A closed conversation takes no more questions (the server would refuse them): the input
// says so and a button starts a new conversation, which shows the notices again before its
// first question. The transcript stays until then, to read, download, rate or erase.
let restartBtn = null;
function showClosed() {
  input.disabled = sendBtn.disabled = humanBtn.disabled = true;
  input.placeholder = T.closedHint;
  if (restartBtn) return;
  restartBtn = el("button", { type: "button", class: "restart", text: T.restart });
  restartBtn.addEventListener("click", async () => {
    forget();
    await ensureStarted().catch(() => {});
    input.focus();
  });
  log.appendChild(restartBtn);
  log.scrollTop = log.scrollHeight;
}
// Drops this tab's conversation (after an erasure, or to start anew): the next question
// or button starts a new one.
function forget() {
  sessionStorage.removeItem(STORE_KEY);
  conv = null;
  started = null;
  reopen();
}
function reopen() {
  if (restartBtn) restartBtn.remove();
  restartBtn = null;
  hadPerson = false;
  input.disabled = sendBtn.disabled = humanBtn.disabled = false;
  input.placeholder = T.placeholder;
}

function showStatus(status, position) {
  if (status === "waiting_for_agent") {
    addMessage({ author: "system", text: position ? T.queued(position) + " " + T.waiting : T.waiting });
    showContactForm();
  }
}

const shown = new Set();
// Empties the chat log; the messages in it may be shown again (a resumed transcript).
function clearLog() { log.textContent = ""; shown.clear(); }
function addMessage(m) {
  if (m.id) {
    if (shown.has(m.id)) return;
    shown.add(m.id);
  }
  if (m.author === "agent") hadPerson = true;
  const who = { visitor: T.you, bot: T.bot, agent: m.author_name ? m.author_name + " (" + T.agent + ")" : T.agent }[m.author];
  const node = el("div", { class: "msg " + m.author });
  if (who) node.appendChild(el("span", { class: "who", text: who }));
  node.appendChild(el("span", { text: m.text }));
  if (m.redacted && m.redacted.length) node.appendChild(el("span", { class: "who", text: T.hidden(m.redacted.join(", ")) }));
  if (m.author === "bot") node.appendChild(meta(m));
  log.appendChild(node);
  log.scrollTop = log.scrollHeight;
}

function meta(m) {
  const box = el("div", { class: "meta" });
  for (const c of m.citations || []) {
    // Only web addresses become links (the server refuses others; this guards old data).
    const web = typeof c.url === "string" && /^(https?:\/\/|\/)/i.test(c.url);
    const link = web ? el("a", { href: c.url, target: "_blank", rel: "noopener noreferrer", text: c.title }) : el("span", { text: c.title });
    box.append(el("span", { text: T.source + " " }), link);
  }
  if (m.why_url) {
    const btn = el("button", { type: "button", class: "linkbtn", "aria-expanded": "false", text: T.why });
    btn.addEventListener("click", () => toggleWhy(btn, m, box));
    box.appendChild(btn);
  }
  // A fixed reply to "bonjour" or "merci", or the notice of the languages answered under a
  // question in another one, is not asked about: there is nothing to judge.
  if (m.why_url && m.kind !== "small_talk" && !m.written_in) {
    // Words, not 👍/👎: an emoji is a box on a computer without an emoji font.
    const ask = el("span", { class: "vote", text: T.wasHelpful, "aria-hidden": "true" });
    ask.setAttribute("data-vote", "");
    box.appendChild(ask);
    for (const [helpful, label, word] of [[true, T.helpful, T.yes], [false, T.unhelpful, T.no]]) {
      const b = el("button", { type: "button", class: "linkbtn", "aria-label": label, title: label, text: word });
      b.addEventListener("click", async () => {
        try {
          await api(`/api/v1/conversations/${conv.id}/messages/${m.id}/feedback`, { method: "POST", body: JSON.stringify({ helpful }) });
          box.querySelectorAll("[data-vote]").forEach((x) => x.remove());
          box.appendChild(el("span", { text: T.thanks }));
        } catch (e) { errorBox.textContent = e.message; }
      });
      b.setAttribute("data-vote", "");
      box.appendChild(b);
    }
  }
  return box;
}

async function toggleWhy(btn, m, box) {
  const open = box.querySelector(".why");
  if (open) { open.remove(); btn.textContent = T.why; btn.setAttribute("aria-expanded", "false"); return; }
  try {
    const w = await api(m.why_url, { method: "GET" });
    const list = el("ol");
    for (const c of w.candidates) {
      list.appendChild(el("li", { text: `${c.title} — ${T.matched} : ${c.matched_terms.join(", ") || T.none} (score ${c.score})` }));
    }
    // A hand-over asked for in words and a question in another language searched nothing,
    // small talk got a fixed sentence, and a failed search found nothing: no confidence is
    // about them, so none is shown.
    const scored = !["human_requested", "unsupported_language", "small_talk", "search_failed"].includes(w.rule);
    const dl = el("dl", {},
      el("dt", { text: T.decision }), el("dd", { text: T.decisions[w.decision] || w.decision }),
      ...(scored ? [el("dt", { text: T.confidence }), el("dd", { text: String(w.confidence) }),
        el("dt", { text: T.threshold }), el("dd", { text: String(w.threshold) })] : []),
      el("dt", { text: T.rule }), el("dd", { text: T.rules[w.rule] ? `${T.rules[w.rule]} (${w.rule})` : w.rule }),
      el("dt", { text: T.kb }), el("dd", { text: w.knowledge_version }));
    if (w.semantic) {
      const s = w.semantic;
      dl.append(el("dt", { text: T.semantic }),
        el("dd", { text: `${T.meaning} ${s.meaning} + ${T.words} ${s.words} = ${s.score} (≥ ${s.answer_from}); ${T.apart} (${s.distinct}) — “${s.line}” (${s.model})` }));
      if (s.second) {
        dl.append(el("dt", { text: T.second }),
          el("dd", { text: `${s.second.model}: ${T.meaning} ${s.second.meaning}; ${T.alone}: ${s.second.first_score} (${s.second.first_title})` }));
      }
    }
    const why = el("div", { class: "why" }, el("p", { text: w.explanation }), dl);
    if (w.candidates.length) why.append(el("strong", { text: T.considered }), list);
    box.appendChild(why);
    btn.textContent = T.hideWhy;
    btn.setAttribute("aria-expanded", "true");
  } catch (e) { errorBox.textContent = e.message; }
}

// Shows this tab's stored conversation again (a reload, another page of the shop) and gives
// its status; null if there is none or the server no longer has it (erased, expired).
async function resume() {
  if (!conv) return null;
  clearLog();
  reopen();
  try {
    const t = await api(`/api/v1/conversations/${conv.id}`, { method: "GET" });
    showNotice(t.disclosure.ai_notice ? t.disclosure : (await api(`/api/v1/disclosure?locale=${t.locale}`, { method: "GET" })), t.keep_transcript);
    t.messages.forEach(addMessage);
    lastSeq = t.messages.reduce((m, x) => Math.max(m, x.seq || 0), 0);
    if (t.status === "waiting_for_agent") showStatus(t.status, t.queue_position);
    if (t.status === "closed" && t.had_person && !t.rating) showRatingForm();
    if (t.status === "closed") showClosed();
    return t.status;
  } catch (_) { conv = null; sessionStorage.removeItem(STORE_KEY); return null; }
}

async function start() {
  if (await resume()) return;
  clearLog();
  reopen();
  const c = await api("/api/v1/conversations", { method: "POST", body: JSON.stringify({ locale: LANG }) });
  conv = { id: c.id, token: c.token };
  lastSeq = 0;
  sessionStorage.setItem(STORE_KEY, JSON.stringify(conv));
  showNotice(c.disclosure);
}

// Live events (messages from a person, status changes) over SSE, read with fetch so the
// token travels in a header, not in the URL. Reconnects from the last event id.
let lastSeq = 0;
let following = null;
async function follow() {
  const mine = conv;
  while (conv === mine && conv) {
    try {
      const ok = await readEvents(`${BASE}/api/v1/conversations/${mine.id}/events?after=${lastSeq}`, mine.token, (event, payload) => {
        if (event === "message") {
          lastSeq = Math.max(lastSeq, payload.seq);
          if (payload.author === "agent") hideTyping();
          if ((payload.author === "agent" || payload.author === "system") && !shown.has(payload.id)) {
            addMessage(payload);
            if (panel.hidden) { unread += 1; showUnread(); }
          }
        }
        if (event === "status") showLiveStatus(payload);
        if (event === "typing" && payload.name) showTyping(payload.name);
      }, () => conv === mine);
      if (!ok) return;
    } catch (_) { /* network hiccup: retry below */ }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

let started = null;
// Starts (or restarts, after an erasure) the conversation once.
function ensureStarted() {
  if (!started) {
    started = start().then(() => { following = follow(); }).catch((e) => { started = null; errorBox.textContent = e.message; throw e; });
  }
  return started;
}
function toggle(open) {
  panel.hidden = !open;
  launcher.setAttribute("aria-expanded", String(open));
  if (open) {
    unread = 0;
    showUnread();
    ensureStarted().catch(() => {});
    input.focus();
  } else launcher.focus();
}
launcher.addEventListener("click", () => toggle(panel.hidden));
// A conversation this tab already had, that a person awaits or holds, is followed at once,
// without opening the panel, so a person's reply shows on the launcher; no conversation is
// ever started before the visitor opens the chat (the notices come first).
if (conv) {
  started = resume().then((status) => {
    // Only a person writes unasked, and only while one is awaited or holds the conversation;
    // otherwise nothing is followed until the visitor opens the chat again.
    if (status === "waiting_for_agent" || status === "with_agent") following = follow();
    else { started = null; if (!panel.hidden) ensureStarted().catch(() => {}); }
  });
}
closeBtn.addEventListener("click", () => toggle(false));
panel.addEventListener("keydown", (e) => { if (e.key === "Escape") toggle(false); });
input.addEventListener("keydown", (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
// While a person holds the conversation, they see "the visitor is typing…" (never what):
// one signal at most every 3 s while the text changes; a lost one costs nothing.
let typingSent = 0;
input.addEventListener("input", () => {
  if (!conv || liveStatus !== "with_agent" || !input.value.trim() || Date.now() - typingSent < 3000) return;
  typingSent = Date.now();
  api(`/api/v1/conversations/${conv.id}/typing`, { method: "POST" }).catch(() => {});
});

// The name of the message being sent, kept while its text is unchanged: when the answer to a
// send is lost (a bad connection), sending again gets the stored turn back instead of asking
// twice.
let pending = null;
const newId = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  sendBtn.disabled = true;
  errorBox.textContent = "";
  if (!pending || pending.text !== text || pending.conv !== (conv && conv.id)) pending = null;
  try {
    await ensureStarted();
    if (!pending) pending = { text, conv: conv.id, id: newId() };
    const send = () => api(`/api/v1/conversations/${conv.id}/messages`, { method: "POST", body: JSON.stringify({ text, client_id: pending.id }) });
    let r;
    try { r = await send(); } catch (err) {
      // A dropped connection (0) or a server briefly without its database (503): once more,
      // under the same name, before telling the visitor.
      if (err.status !== 0 && err.status !== 503) throw err;
      await new Promise((ok) => setTimeout(ok, 1500));
      r = await send();
    }
    pending = null;
    input.value = "";
    addMessage(r.visitor_message);
    if (r.reply) addMessage(r.reply);
    else showStatus(r.status, r.queue_position);
  } catch (err) {
    errorBox.textContent = err.message || T.error;
  } finally { sendBtn.disabled = input.disabled; input.focus(); }
});

humanBtn.addEventListener("click", async () => {
  errorBox.textContent = "";
  try {
    await ensureStarted();
    const r = await api(`/api/v1/conversations/${conv.id}/handoff`, { method: "POST", body: JSON.stringify({ reason: "widget button" }) });
    showStatus(r.status, r.queue_position);
    if (r.people_online === 0) addMessage({ author: "system", text: T.nobody });
    else if (r.estimated_wait_seconds != null) addMessage({ author: "system", text: T.estimate(Math.ceil(r.estimated_wait_seconds / 60)) });
  } catch (err) { errorBox.textContent = err.message || T.error; }
});

function save(name, type, body) {
  const a = el("a", { href: URL.createObjectURL(new Blob([body], { type })), download: name });
  root.appendChild(a);
  a.click();
  a.remove();
}

downloadBtn.addEventListener("click", async () => {
  errorBox.textContent = "";
  try {
    await ensureStarted();
    const headers = { Authorization: "Bearer " + conv.token };
    for (const format of ["json", "html"]) {
      const res = await fetch(`${BASE}/api/v1/conversations/${conv.id}/export?format=${format}`, { headers, credentials: "omit" });
      if (!res.ok) throw new Error(T.error);
      save(`conversation-${conv.id}.${format}`, format === "json" ? "application/json" : "text/html", await res.text());
    }
  } catch (err) { errorBox.textContent = err.message || T.error; }
});

eraseBtn.addEventListener("click", async () => {
  errorBox.textContent = "";
  if (!conv || !window.confirm(T.eraseConfirm)) return;
  try {
    await api(`/api/v1/conversations/${conv.id}`, { method: "DELETE" });
    forget();
    clearLog();
    addMessage({ author: "system", text: T.erased });
  } catch (err) { errorBox.textContent = err.message || T.error; }
});
