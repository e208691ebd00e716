// Drives the demo page's widget in headless Chromium like a visitor would, checks what a
// person sees, runs axe-core on the page with the widget open, and saves screenshots.
//   node widget.mjs <base url> <screenshot dir> [<agent email> <agent password>]
// With an agent account, a second page signs in to the console, claims the conversation and
// replies; the widget must show the reply live, labelled as a person.
// Exits non-zero with a message on the first failed check.
import { axeViolations, check, guard, launch, loseAnswers } from "./lib.mjs";

const [base, shots, agentEmail, agentPassword] = process.argv.slice(2);
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
guard(page, "widget.mjs page");
const external = [];
page.on("request", (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });
page.on("dialog", (d) => d.accept());

await page.goto(base + "/?lang=fr");
const launcher = page.locator("[data-candor] >> css=.launcher");
await launcher.click();
const notice = page.locator("[data-candor] >> css=.notice");
await notice.waitFor();
const noticeText = await notice.innerText();
check(noticeText.includes("une IA") && noticeText.includes("Ce que nous gardons"), "the AI and data notices show first");
const howItWorks = notice.locator("a", { hasText: "Comment fonctionne l'assistant" });
check((await howItWorks.getAttribute("href")).endsWith("/transparency?lang=fr"), "the notice links the page saying how the assistant works");
check(!(await page.locator("[data-candor] >> css=#candor-keep").isChecked()), "consent is off by default");

const input = page.locator("[data-candor] >> css=textarea");
await input.fill("Combien de temps prend la livraison ?");
await input.press("Enter");
const bot = page.locator("[data-candor] >> css=.msg.bot").first();
await bot.waitFor();
const botText = await bot.innerText();
check(botText.includes("ASSISTANT IA") || botText.toLowerCase().includes("assistant ia"), "the reply is labelled as the AI assistant");
check(botText.includes("2 à 4 jours"), "the reply quotes the delivery passage");
check(botText.includes("Délais et frais de livraison"), "the reply cites its article");
await page.locator("[data-candor] >> css=.linkbtn").first().click();
const why = page.locator("[data-candor] >> css=.why");
await why.waitFor();
check((await why.innerText()).includes("Confiance"), "the why panel shows the confidence");
check((await why.innerText()).includes("presque la même question qu'une question de l'article (example_question)"),
  "the why panel words the rule in French, with its code: " + (await why.innerText()));
// The verdict is asked in words (an emoji is a box where no emoji font is installed).
check((await bot.innerText()).includes("Utile ?"), "the reply asks whether it helped");
await page.getByRole("button", { name: "Réponse utile", exact: true }).click();
await page.locator("[data-candor] >> text=Merci pour votre avis.").waitFor();
check(await page.getByRole("button", { name: "Réponse pas utile" }).count() === 0, "one verdict per reply");

// A reload while only the assistant is in the conversation: nothing is followed until the
// visitor opens the chat again, and then the transcript is all there.
const streams = [];
page.on("request", (r) => { if (r.url().includes("/events")) streams.push(r.url()); });
await page.reload();
await page.waitForTimeout(1000);
check(streams.length === 0, "no live stream for a conversation only the assistant is in: " + streams.join(", "));
await launcher.click();
await page.locator("[data-candor] >> css=.msg.bot", { hasText: "2 à 4 jours" }).waitFor();
// The connection drops after the server stored a turn, before its answer arrives, and again
// on the widget's own retry: the text stays in the box, and sending it again shows the
// question and its answer once (each send under the same name for the message).
const dropped = await loseAnswers(page, 2);
await input.fill("Acceptez-vous PayPal ?");
await input.press("Enter");
await page.locator("[data-candor] >> css=.error", { hasText: /\S/ }).waitFor();
check(dropped.count === 2, "the widget retried once by itself before saying it failed");
check((await input.inputValue()) === "Acceptez-vous PayPal ?", "a send whose answer was lost leaves the text in the box");
await input.press("Enter");
await page.locator("[data-candor] >> css=.msg.bot", { hasText: "PayPal" }).waitFor();
await page.unroute("**/messages");
await page.reload();
await launcher.click();
await page.locator("[data-candor] >> css=.msg.bot", { hasText: "PayPal" }).waitFor();
check((await page.locator("[data-candor] >> css=.msg.visitor", { hasText: "PayPal" }).count()) === 1
  && (await page.locator("[data-candor] >> css=.msg.bot", { hasText: "PayPal" }).count()) === 1,
  "the resend stored and answered the question once");
// A plain "merci" gets the fixed reply, with its "why?" but no "Helpful?" to answer.
await input.fill("Merci beaucoup !");
await input.press("Enter");
const polite = page.locator("[data-candor] >> css=.msg.bot", { hasText: "Avec plaisir" });
await polite.waitFor();
check((await polite.locator("[data-vote]").count()) === 0 && (await polite.innerText()).includes("Pourquoi cette réponse ?"),
  "small talk is explained but not voted on");
await polite.getByRole("button", { name: "Pourquoi cette réponse ?" }).click();
await polite.locator(".why").waitFor();
check((await polite.locator(".why").innerText()).includes("remerciement") && !(await polite.locator(".why").innerText()).includes("Confiance"),
  "its why panel says it was thanks, with no confidence to give");
await input.fill("ma carte 4970 1012 3456 7893 a été débitée deux fois");
await input.press("Enter");
const masked = page.locator("[data-candor] >> css=.msg.visitor", { hasText: "débitée deux fois" });
await masked.waitFor();
check((await masked.innerText()).includes("[card]"), "the card number is masked in what was stored");
// A question in German (the last one before the hand-over: the console names it) is told,
// in French and English, which languages are answered.
await input.fill("Wo ist mein Paket?");
await input.press("Enter");
const german = page.locator("[data-candor] >> css=.msg.bot", { hasText: "Sorry, I can only answer in French or English." });
await german.waitFor();
check((await german.locator("[data-vote]").count()) === 0, "the languages notice asks no \"Helpful?\"");
await german.getByRole("button", { name: "Pourquoi cette réponse ?" }).click();
await german.locator(".why").waitFor();
check((await german.locator(".why").innerText()).includes("écrit en allemand") && !(await german.locator(".why").innerText()).includes("Confiance"),
  "its why panel names the language and gives no confidence");

await page.getByRole("button", { name: "Parler à une personne" }).click();
const system = page.locator("[data-candor] >> css=.msg.system").last();
await system.waitFor();
check((await system.innerText()).includes("file"), "the visitor sees the queue position");
await page.locator("[data-candor] >> css=.contact").waitFor();
// Refusals are told in the visitor's language, not in the server's English.
await page.locator("[data-candor] >> css=#candor-email").fill("marie@example.com");
await page.locator("[data-candor] >> css=.contact button[type=submit]").click();
await page.locator("[data-candor] >> css=.error", { hasText: "Cochez la case d'accord" }).waitFor();
// With the box ticked the details are kept for the team, and said to be deleted in days.
await page.locator("[data-candor] >> css=#candor-contact-ok").check();
await page.locator("[data-candor] >> css=.contact button[type=submit]").click();
await page.locator("[data-candor] >> text=Vos coordonnées seront effacées au plus tard dans 7 jours").waitFor();

if (agentEmail) {
  const consolePage = await browser.newPage({ viewport: { width: 1200, height: 800 } });
guard(consolePage, "widget.mjs consolePage");
  // The browser's notifications, recorded (a headless browser shows none), and a switch for
  // "the console is in a background tab".
  await consolePage.addInitScript(() => {
    window.__alerts = [];
    class RecordedNotification {
      constructor(title, options) { this.title = title; this.options = options; window.__alerts.push(this); }
      close() {}
      static async requestPermission() { RecordedNotification.permission = "granted"; return "granted"; }
    }
    RecordedNotification.permission = "default";
    window.Notification = RecordedNotification;
    Object.defineProperty(document, "hidden", { get: () => window.__background === true });
    document.hasFocus = () => window.__background !== true;
  });
  await consolePage.goto(base + "/agent");
  await consolePage.fill("#email", agentEmail);
  await consolePage.fill("#password", agentPassword);
  await consolePage.click("#login button[type=submit]");
  const item = consolePage.locator("#queue button.item").first();
  await item.waitFor();
  check((await item.innerText()).endsWith("· writes in German · ✉ contact back"), "the queue says this visitor wrote in German and asked to be contacted back");
  await item.click();
  const followUp = consolePage.locator("#follow-up");
  await followUp.waitFor();
  check((await followUp.innerText()).includes("left these details to be contacted back"), "the console says why the details are there");
  check((await followUp.locator("a").getAttribute("href")) === "mailto:marie@example.com", "the email is a link the agent can use");
  await consolePage.locator("#transcript .msg.visitor").first().waitFor();
  check((await consolePage.locator("#transcript").innerText()).includes("[card]"), "the console shows the redacted transcript");
  check(/Why: answer, confidence \d+ % \(threshold 30 %\)/.test(await consolePage.locator("#transcript summary").first().innerText()),
    "the console gives confidence and threshold in percent, like the visitor's why link");
  check((await consolePage.locator("#transcript summary", { hasText: "small talk" }).innerText()) === "Why: small talk, a fixed reply (no article answered it)",
    "the console names small talk without a confidence");
  // The state in words, and only what it allows: nobody replies to a conversation nobody holds.
  await consolePage.locator("#status", { hasText: "waiting for a person — came to the team: pressed “talk to a person”" }).waitFor();
  check((await consolePage.locator("#status").innerText()).includes(" — from " + new URL(base).host), "the console says which site the visitor wrote from");
  check((await consolePage.locator("#status").innerText()).includes(" — writes in German, which the assistant does not answer in"),
    "the console says the visitor wrote in German");
  check((await consolePage.locator("#status").innerText()).endsWith(" — the visitor is on the site"),
    "the console says the visitor is still on the site (their widget follows the conversation)");
  check(await consolePage.locator("#send").isDisabled(), "no reply before claiming");
  check(await consolePage.locator("#release").isDisabled(), "no hand-back before claiming");
  await consolePage.click("#claim");
  await consolePage.locator("#status", { hasText: "with you" }).waitFor();
  await consolePage.locator("#queue-empty", { hasText: "Nobody is waiting." }).waitFor();
  check(await consolePage.locator("#claim").isDisabled(), "a claimed conversation cannot be claimed again");
  await consolePage.locator("#transcript >> text=a rejoint la conversation").waitFor();
  // A reload loses nothing: the claimed conversation is under "My conversations".
  await consolePage.reload();
  await consolePage.locator("#mine button.item").first().click();
  await consolePage.locator("#transcript >> text=a rejoint la conversation").waitFor();
  // An internal note, ticked as one first: the visitor sees nobody typing, and never the note.
  await consolePage.check("#note-mode");
  await consolePage.fill("#reply-text", "Client pressé : vérifier le double débit.");
  await consolePage.press("#reply-text", "Control+Enter");
  await consolePage.locator("#transcript .msg.note").first().waitFor();
  check((await consolePage.inputValue("#reply-text")) === "", "the note leaves the box");
  check(await page.locator("[data-candor] >> css=.typing").isHidden(), "writing a note shows no typing to the visitor");
  check((await page.locator("[data-candor] >> text=double débit").count()) === 0, "the note never reaches the visitor");
  await consolePage.uncheck("#note-mode");
  // A plain Enter is a new line (a note typed in the same box must not slip out); Ctrl+Enter sends.
  await consolePage.fill("#reply-text", "Bonjour, je suis Camille.");
  await page.locator("[data-candor] >> css=.typing", { hasText: "Camille écrit…" }).waitFor({ timeout: 10000 });
  await consolePage.press("#reply-text", "Enter");
  check((await consolePage.inputValue("#reply-text")) === "Bonjour, je suis Camille.\n", "Enter alone does not send");
  // The agent types the visitor's card number back: it is masked before it is stored or
  // sent, and the console says so.
  await consolePage.fill("#reply-text", "Bonjour, je suis Camille. Je vérifie votre paiement (carte 4970 1012 3456 7893).");
  await consolePage.press("#reply-text", "Control+Enter");
  await consolePage.locator("#transcript .msg.agent").first().waitFor();
  check((await consolePage.inputValue("#reply-text")) === "", "a sent reply leaves the box");
  check(/^Masked before storing and sending: card\./.test(await consolePage.locator("#masked").innerText()),
    "the console tells the agent the card number was masked");
  check(/^Camille \(person\) · \d\d:\d\d/.test(await consolePage.locator("#transcript .msg.agent .who").first().innerText()),
    "each message says when it was written");
  const agentMsg = page.locator("[data-candor] >> css=.msg.agent").first();
  await agentMsg.waitFor({ timeout: 10000 });
  const agentText = await agentMsg.innerText();
  check(await page.locator("[data-candor] >> css=.typing").isHidden(), "the typing line goes when the message comes");
  check(agentText.includes("Je vérifie votre paiement (carte [card])") && !agentText.includes("7893"),
    "the widget shows the person's reply live, the card number masked: " + agentText);
  check(/Camille \(Personne de l'équipe\)/i.test(agentText), "the reply is signed with the person's name: " + agentText);
  check(/personne/i.test(agentText), "the person's reply is labelled as a person");
  // The visitor closes the chat and goes on browsing (a reload): the widget follows the
  // conversation without being opened, and the person's next message shows on the launcher.
  await page.locator("[data-candor] >> css=.head button").click();
  const followed = page.waitForRequest((r) => r.url().includes("/events"));
  await page.reload();
  await followed;
  check(!(await launcher.locator(".badge").count()), "nothing unread after a reload");
  // The console's connection drops after the server stored the reply, before its answer
  // arrives: the console sends it once more by itself, under the same name, and the visitor
  // gets it once (counted below).
  const consoleDrops = await loseAnswers(consolePage, 1);
  await consolePage.fill("#reply-text", "C'est réglé : le second débit sera annulé.");
  await consolePage.press("#reply-text", "Control+Enter");
  await consolePage.waitForFunction(() => document.querySelector("#reply-text").value === "", null, { timeout: 10000 });
  check(consoleDrops.count === 1 && (await consolePage.locator("#error").innerText()) === "",
    "a reply whose answer was lost is sent again by the console, without an error");
  check(await consolePage.locator("#masked").isHidden(), "a reply with nothing masked clears the notice");
  await consolePage.unroute("**/messages");
  await launcher.locator(".badge", { hasText: "1" }).waitFor({ timeout: 10000 });
  check((await launcher.getAttribute("aria-label")) === "Aide : 1 nouveau message", "the launcher says a message is waiting");
  await page.screenshot({ path: `${shots}/widget-unread.png` });
  await launcher.click();
  await page.locator("[data-candor] >> text=le second débit sera annulé").waitFor();
  check(!(await launcher.locator(".badge").count()) && !(await launcher.getAttribute("aria-label")), "opening the chat reads the message");
  check((await page.locator("[data-candor] >> css=.msg.agent").count()) === 2, "the reload kept the person's first reply, once");
  // The agent turns desktop alerts on and looks at another tab.
  await consolePage.click("#notify");
  check((await consolePage.getAttribute("#notify", "aria-pressed")) === "true", "desktop alerts are on");
  await consolePage.evaluate(() => { window.__background = true; });
  // The visitor answers: the agent's list marks the conversation as waiting for their reply, live.
  // While the visitor types, the console says so (never what); their message ends it.
  await input.fill("Merci, j'attends.");
  await consolePage.locator("#visitor-typing", { hasText: "The visitor is typing…" }).waitFor({ timeout: 10000 });
  await input.press("Enter");
  const awaitingItem = consolePage.locator("#mine button.item.awaiting", { hasText: "for your reply" });
  await awaitingItem.waitFor({ timeout: 10000 });
  await consolePage.locator("#visitor-typing").waitFor({ state: "hidden", timeout: 10000 });
  check(/^🔔 \(1\) /.test(await consolePage.title()), "the background console's title rings and counts the visitor waiting for a reply");
  const alerts = await consolePage.evaluate(() => window.__alerts.map((n) => [n.title, n.options.body]));
  check(alerts.length === 1 && alerts[0][0] === "A visitor is waiting for your reply" && alerts[0][1] === "FR",
    "one desktop alert says a visitor waits for a reply, without what they wrote: " + JSON.stringify(alerts));
  // Another visitor asks for a person meanwhile: one alert with their language and the reason,
  // never their words.
  const json = { "content-type": "application/json" };
  const other = await (await fetch(base + "/api/v1/conversations", { method: "POST", headers: json, body: JSON.stringify({ locale: "en" }) })).json();
  const asked = await fetch(`${base}/api/v1/conversations/${other.id}/handoff`, {
    method: "POST", headers: { ...json, authorization: `Bearer ${other.token}` }, body: "{}",
  });
  check(asked.ok, "the second visitor's request for a person: " + asked.status);
  await consolePage.waitForFunction(() => window.__alerts.length === 2, null, { timeout: 10000 });
  const queued = await consolePage.evaluate(() => [window.__alerts[1].title, window.__alerts[1].options.body]);
  check(queued[0] === "A visitor is waiting for a person" && queued[1].startsWith("EN · "),
    "one desktop alert says a visitor joined the queue, in which language and why: " + JSON.stringify(queued));
  await consolePage.evaluate(() => { window.__background = false; window.__alerts[0].onclick(); });
  const bad = await axeViolations(consolePage);
  check(bad.length === 0, "axe on the console: " + bad.join("; "));
  await consolePage.screenshot({ path: `${shots}/console.png` });
  // The agent changes the first password an admin gave them; a typo keeps them signed in.
  await consolePage.click("#change-password");
  await consolePage.fill("#current-password", "not the password");
  await consolePage.fill("#new-password", "an agent's own password");
  await consolePage.click("#password-form button[type=submit]");
  await consolePage.locator("#password-error", { hasText: "not right" }).waitFor();
  check(!(await consolePage.locator("#console").isHidden()), "a wrong current password does not sign the agent out");
  await consolePage.fill("#current-password", agentPassword);
  await consolePage.fill("#new-password", "an agent's own password");
  await consolePage.click("#password-form button[type=submit]");
  await consolePage.locator("#password-status", { hasText: "Password changed" }).waitFor();
  const badForm = await axeViolations(consolePage);
  check(badForm.length === 0, "axe on the console's password form: " + badForm.join("; "));
  // The agent closes, saying how it was resolved in the page; the visitor is asked, in French,
  // whether the person helped.
  await consolePage.click("#close");
  await consolePage.click("#close-confirm");
  check((await consolePage.locator("#error").innerText()).length > 0 || !(await consolePage.locator("#resolution").evaluate((i) => i.validity.valid)),
    "closing without a resolution is refused");
  check(!(await consolePage.locator("#close-form").isHidden()), "the close form stays until a resolution is given");
  await consolePage.fill("#resolution", "Answered by phone");
  await consolePage.click("#close-confirm");
  await consolePage.locator("#close-form").waitFor({ state: "hidden" });
  const rating = page.locator("[data-candor] >> css=form.rating");
  await rating.waitFor({ timeout: 10000 });
  check((await rating.innerText()).includes("La personne de l'équipe vous a-t-elle aidé ?"), "the rating asks in French");
  await page.locator("[data-candor] >> css=#candor-helped-yes").check();
  await page.locator("[data-candor] >> css=#candor-rate-comment").fill("Très claire, merci");
  await page.locator("[data-candor] >> css=form.rating button[type=submit]").click();
  await page.locator("[data-candor] >> text=votre avis aide l'équipe").waitFor();
  // A closed conversation takes no more questions; a new one starts with the notices again.
  check(await input.isDisabled(), "the input is off once the conversation is closed");
  check((await input.getAttribute("placeholder")).includes("terminée"), "the input says the conversation has ended");
  const closedToken = await page.evaluate(() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage).find((k) => k.startsWith("candor:")))));
  await page.getByRole("button", { name: "Nouvelle conversation" }).click();
  await notice.waitFor();
  check((await page.locator("[data-candor] >> css=.msg").count()) === 0, "the new conversation starts empty");
  check(!(await input.isDisabled()), "the new conversation takes questions");
  await input.fill("How long does delivery take?");
  await input.press("Enter");
  await page.locator("[data-candor] >> css=.msg.bot").first().waitFor();
  // The visitor then erases the closed conversation (as the widget's button does): the
  // console, which still showed it, empties and says why.
  const erased = await page.request.delete(`${base}/api/v1/conversations/${closedToken.id}`, { headers: { Authorization: "Bearer " + closedToken.token } });
  check(erased.status() === 204, "the visitor erases the closed conversation");
  await consolePage.locator("#status", { hasText: "no longer exists" }).waitFor({ timeout: 10000 });
  check((await consolePage.locator("#transcript .msg").count()) === 0, "nothing of an erased conversation stays on the agent's screen");
  check(await consolePage.locator("#note").isDisabled(), "no note on an erased conversation");
}

const serious = await axeViolations(page);
check(serious.length === 0, "axe: " + serious.join("; "));
await page.screenshot({ path: `${shots}/widget-fr.png` });

// On a phone the chat takes the whole screen and nothing covers the send button.
const phone = await browser.newPage({ viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true });
guard(phone, "widget.mjs phone");
await phone.goto(base + "/?lang=en");
await phone.locator("[data-candor] >> css=.launcher").click();
await phone.locator("[data-candor] >> css=.notice").waitFor();
const box = await phone.locator("[data-candor] >> css=.panel").boundingBox();
check(box.x === 0 && box.y === 0 && box.width === 360 && box.height === 640, "the panel fills a phone's screen: " + JSON.stringify(box));
check(await phone.locator("[data-candor] >> css=.launcher").isHidden(), "the launcher steps aside while the chat is open");
const sendOnTop = await phone.evaluate(() => {
  const root = document.querySelector("[data-candor]").shadowRoot;
  const send = root.querySelector("form button[type=submit]");
  const r = send.getBoundingClientRect();
  return root.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === send;
});
check(sendOnTop, "the send button is not covered on a phone");
const phoneBad = await axeViolations(phone);
check(phoneBad.length === 0, "axe on a phone: " + phoneBad.join("; "));
await phone.screenshot({ path: `${shots}/widget-phone.png` });
await phone.getByRole("button", { name: "Close the chat" }).click();
check(await phone.locator("[data-candor] >> css=.launcher").isVisible(), "closing brings the launcher back");
await phone.close();

await page.getByRole("button", { name: "Effacer la conversation" }).click();
await page.locator("[data-candor] >> text=La conversation a été effacée").waitFor();
check(external.length === 0, "requests to third parties: " + external.join(", "));
await browser.close();
console.log("browser checks passed");
