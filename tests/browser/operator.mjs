// Drives the operator pages in headless Chromium like an operator would: sign in, search,
// edit an article, try a question against the draft, publish, read the history and restore,
// then answer a content gap with a new article. Runs axe-core on the list and the editor.
//   node operator.mjs <base url> <screenshot dir> <operator email> <password> <gap question>
//     <question voted "not helpful" to fix> <question voted "not helpful" that was fine>
// Exits non-zero with a message on the first failed check.
import { axeViolations, check, guard, launch } from "./lib.mjs";

const [base, shots, email, password, gapQuestion, toFix, fine] = process.argv.slice(2);

async function axe(page, what) {
  const bad = await axeViolations(page);
  check(bad.length === 0, `axe on ${what}: ` + bad.join("; "));
}

const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
guard(page, "operator.mjs page");
page.on("dialog", (d) => d.accept());

await page.goto(base + "/operator");
await page.fill("#email", email);
await page.fill("#password", password);
await page.click("#signin button[type=submit]");
await page.locator("table tbody tr").first().waitFor();

// Search and filter.
await page.fill("#q", "colis");
await page.selectOption("#f-lang", "fr");
await page.click("form.filters button[type=submit]");
await page.waitForURL(/q=colis/);
const rows = await page.locator("table tbody tr").allInnerTexts();
check(rows.length > 0 && rows.every((r) => /\bfr\b/.test(r)), "the filtered list shows French articles only");
check(rows.some((r) => r.includes("Délais et frais de livraison")), "the delivery article matches 'colis'");
await axe(page, "the article list");
await page.screenshot({ path: `${shots}/operator-list.png` });

// Edit, preview, try a question against the draft, publish.
await page.click("text=Délais et frais de livraison");
await page.locator("#a-body").waitFor();
const question = "Livrez-vous en vélo cargo ?";
const body = await page.inputValue("#a-body");
await page.fill("#a-body", body + "\n\n## Vélo cargo\n\nÀ Lyon, nous livrons aussi en vélo cargo électrique le jour même.");
await page.locator("#preview >> text=Vélo cargo").first().waitFor();
await page.fill("#try-q", question);
await page.click("#try");
await page.locator("#try-result h3").nth(1).waitFor();
const trial = await page.locator("#try-result").innerText();
const [today, withDraft] = trial.split("With this draft published");
check(!today.includes("vélo cargo électrique"), "today's answer does not have the draft's text");
check(withDraft.includes("vélo cargo électrique"), "the draft's answer quotes the new passage: " + trial);
check(/Confidence \d+ %/.test(withDraft), "the trial shows the confidence");
// Politeness and other languages are said for what they are, not as "declines".
for (const [q, says] of [["Merci beaucoup !", "Replies with a fixed sentence"], ["Wo ist mein Paket?", "in neither French nor English"]]) {
  await page.fill("#try-q", q);
  await page.click("#try");
  await page.locator("#try-result", { hasText: says }).waitFor();
}
await axe(page, "the editor");
await page.screenshot({ path: `${shots}/operator-editor.png` });
await page.fill("#a-reason", "livraison à vélo");
await page.click("#publish");
await page.locator("#save-status >> text=Published as version 1").waitFor();

// A second edit, then restore the first from the history.
await page.fill("#a-body", (await page.inputValue("#a-body")).replace("électrique le jour même", "électrique en deux heures"));
await page.click("#publish");
await page.locator("#save-status >> text=Published as version 2").waitFor();
await page.click("a[href$='/history']");
await page.locator("text=Version 2").first().waitFor();
const diff = await page.locator(".diff").first().innerText();
check(diff.includes("en deux heures") && diff.includes("le jour même"), "the diff shows the changed line");
await page.click("button.restore[data-version='1']");
await page.locator("text=restored version 1").first().waitFor();
await page.screenshot({ path: `${shots}/operator-history.png` });

// Answer a content gap with a new article.
await page.goto(base + "/operator/gaps");
await page.locator(`text=${gapQuestion}`).waitFor();
await page.click("text=Write an article");
await page.locator("#a-body").waitFor();
check((await page.inputValue("#a-questions")).includes(gapQuestion), "the gap's question is pre-filled as an example question");
await page.selectOption("#a-lang", "en");
await page.fill("#a-id", "en-bicycles");
await page.fill("#a-title", "Do you sell bicycles?");
await page.fill("#a-body", "## Bicycles\n\nWe sell lamps only: no bicycles, electric or not.");
await page.click("#publish");
await page.waitForURL(/\/operator\/articles\/en-bicycles\?saved=1/);
await page.locator("#save-status >> text=Published as version 1").waitFor();
await page.goto(base + "/operator/gaps");
check(!(await page.locator("body").innerText()).includes(gapQuestion), "the answered gap leaves the list");

// The review queue: one "not helpful" answer is fine as it is, the other gets its article fixed.
await page.goto(base + "/operator/review");
const fineVote = page.locator("tbody tr", { hasText: fine });
await fineVote.waitFor();
check((await fineVote.innerText()).includes("I wanted to pay cash"), "the visitor's comment is shown");
await axe(page, "the review queue");
await page.screenshot({ path: `${shots}/operator-review.png` });
await fineVote.locator("button", { hasText: "Acceptable" }).click();
await page.locator("#review-status", { hasText: "Vote marked acceptable." }).waitFor();
check(!(await page.locator("tbody").innerText()).includes(fine), "an acceptable vote leaves the queue");
await page.locator("tbody tr", { hasText: toFix }).locator("a.button", { hasText: "Fix the article" }).click();
await page.waitForURL(/\/operator\/articles\/en-password\?review=/);
await page.fill("#a-body", (await page.inputValue("#a-body")) + "\n\n## Expired link\n\nA reset link works for 24 hours: ask for a new one if it has expired.");
await page.fill("#a-reason", "expired reset links");
await page.click("#publish");
await page.locator("#save-status", { hasText: "marked fixed by version 1" }).waitFor();
await page.goto(base + "/operator/review");
check(!(await page.locator("body").innerText()).includes(toFix), "the fixed vote leaves the queue");
await page.goto(base + "/operator/review?all=true");
check((await page.locator("body").innerText()).includes("article fixed (en-password v1)"), "the resolution names the new version");

// Add a synonym rule; it survives a reload.
await page.goto(base + "/operator/synonyms");
await page.click("#add-rule");
await page.selectOption("#rules tr:last-child .s-lang", "fr");
await page.fill("#rules tr:last-child .s-phrase", "biclou");
await page.fill("#rules tr:last-child .s-expansion", "vélo");
await page.click("#synonyms button[type=submit]");
await page.locator("#syn-status >> text=1 rule(s) saved").waitFor();
await axe(page, "the synonyms page");
await page.reload();
check((await page.inputValue("#rules tr:last-child .s-phrase")) === "biclou", "the rule is kept");

// A French operator gets the pages and the script's own texts in French; the language link
// switches to English, keeps the page's filters, and the choice stays on the next page.
const fr = await browser.newPage({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
guard(fr, "operator.mjs French page");
await fr.goto(base + "/operator");
check((await fr.locator("#signin-title").innerText()) === "Connexion des opérateurs", "the sign-in form is in French");
await fr.fill("#email", email);
await fr.fill("#password", "not the password");
await fr.click("#signin button[type=submit]");
await fr.locator("#signin-error", { hasText: "E-mail ou mot de passe incorrect." }).waitFor();
await fr.fill("#password", password);
await fr.click("#signin button[type=submit]");
await fr.locator("table tbody tr").first().waitFor();
check((await fr.locator("header nav").innerText()).includes("Questions sans réponse"), "the menu is in French");
await fr.goto(base + "/operator/articles/fr-livraison");
await fr.locator("#passages", { hasText: /^\d+ passages que l'assistant peut citer/ }).waitFor();
await fr.fill("#try-q", "Combien coûte la livraison ?");
await fr.click("#try");
await fr.locator("#try-result h3").nth(1).waitFor();
const frTrial = await fr.locator("#try-result").innerText();
check(frTrial.includes("Avec ce brouillon publié") && /Confiance \d+ % \(seuil \d+ %\)/.test(frTrial), "the trial is in French: " + frTrial);
await axe(fr, "the French editor");
await fr.screenshot({ path: `${shots}/operator-editor-fr.png` });
// The server's refusals of an article are worded in French too, from the facts it gives.
const frBody = await fr.inputValue("#a-body");
await fr.fill("#a-body", "## Seulement un titre");
await fr.click("#publish");
await fr.locator("#save-error", { hasText: "Le texte a des titres mais aucun paragraphe d'où répondre." }).waitFor();
await fr.fill("#a-body", frBody);
await fr.fill("#a-title", "T".repeat(201));
await fr.click("#publish");
await fr.locator("#save-error", { hasText: "Le titre dépasse 200 caractères." }).waitFor();
await fr.goto(base + "/operator/synonyms");
await fr.click("#add-rule");
check((await fr.locator("#rules tr:last-child .remove").innerText()) === "Retirer", "a new rule's row is in French");
check((await fr.getAttribute("#rules tr:last-child .s-phrase", "aria-label")) === "Les visiteurs écrivent", "and so are its labels");
await fr.click("#synonyms button[type=submit]");
await fr.locator("#syn-status", { hasText: "règle(s) enregistrée(s)" }).waitFor();
await fr.goto(base + "/operator?q=colis&lang=fr");
await fr.click("a.ui-lang");
await fr.waitForURL(/ui=en/);
check(new URL(fr.url()).searchParams.get("q") === "colis", "switching the language keeps the search");
check((await fr.getAttribute("html", "lang")) === "en", "the list is now in English");
await fr.goto(base + "/operator/gaps");
check((await fr.getAttribute("html", "lang")) === "en", "the choice stays on the next page");

await browser.close();
console.log("operator checks passed");
