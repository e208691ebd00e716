// The team page in headless Chromium, as an admin uses it the day a person leaves and the
// day another joins: sign in, switch Camille off (her conversation goes back to the queue),
// add Noor, change a role, reset Camille's forgotten password, change the admin's own,
// then answer a visitor's erasure request that came by email.
// Runs axe-core on both pages.
//   node team.mjs <base url> <screenshot dir> <admin email> <password>
// Exits non-zero with a message on the first failed check.
import { axeViolations, check, guard, launch } from "./lib.mjs";

const [base, shots, email, password] = process.argv.slice(2);

const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
guard(page, "team.mjs page");
// Confirmations only: anything that needs words asks for them in the page.
page.on("dialog", (d) => { check(d.type() === "confirm", `unexpected ${d.type()} dialog: ${d.message()}`); d.accept(); });

await page.goto(base + "/operator/team");
await page.fill("#email", email);
await page.fill("#password", password);
await page.click("#signin button[type=submit]");
await page.locator("#team-title").waitFor();
check((await page.locator("header nav").innerText()).includes("Team"), "the admin menu links the team page");
const bad = await axeViolations(page);
check(bad.length === 0, "axe on the team page: " + bad.join("; "));

const camille = page.locator("tr", { hasText: "camille@shop.example" });
await camille.locator("button.u-toggle").click();
await page.locator("#team-status", { hasText: "switched off" }).waitFor();
const status = await page.locator("#team-status").innerText();
check(/1 conversation\(s\) back in the queue/.test(status), "the page says what became of her conversation: " + status);
check((await camille.innerText()).includes("switched off"), "her row shows the account switched off");
check((await camille.locator("button.u-toggle").innerText()) === "Switch on", "and offers to switch it on again");
const me = page.locator("tr", { hasText: email });
check((await me.locator("button").count()) === 0, "no button lets the admin lock themselves out");

await page.fill("#n-email", "noor@shop.example");
await page.fill("#n-name", "Noor");
await page.selectOption("#n-role", "operator");
await page.fill("#n-password", "short");
await page.click("#add-user button[type=submit]");
check(await page.locator("#n-password:invalid").count() === 1, "the form asks for 10 characters before sending");
await page.fill("#n-password", "noor's first password");
await page.click("#add-user button[type=submit]");
await page.locator("tr", { hasText: "noor@shop.example" }).waitFor();
const noor = page.locator("tr", { hasText: "noor@shop.example" });
check((await noor.locator("select").inputValue()) === "operator", "Noor is listed as an operator");
await noor.locator("select").selectOption("agent");
await page.locator("#team-status", { hasText: "noor@shop.example is now agent" }).waitFor();
await page.screenshot({ path: `${shots}/team.png` });

// Camille forgot her password: the admin sets a new one.
await camille.locator("summary").click();
await camille.locator(".u-password").fill("camille's new password");
await camille.locator(".u-set-password").click();
await page.locator("#team-status", { hasText: "New password set for camille@shop.example" }).waitFor();

// The admin changes their own password.
await page.click("text=My password");
await page.locator("#own-password").waitFor();
const badPw = await axeViolations(page);
check(badPw.length === 0, "axe on the password page: " + badPw.join("; "));
await page.fill("#current-password", "not my password");
await page.fill("#new-password", "ada's brand new password");
await page.click("#own-password button[type=submit]");
await page.locator("#password-error", { hasText: "not right" }).waitFor();
await page.fill("#current-password", password);
await page.fill("#new-password", "ada's brand new password");
await page.click("#own-password button[type=submit]");
await page.locator("#password-status", { hasText: "Password changed" }).waitFor();

// A visitor wrote to the DPO about order 48213: find the conversation, erase it.
await page.click("text=Visitors' requests");
await page.locator("#requests-title").waitFor();
await page.fill("#r-words", "48213");
await page.click("form.filters button[type=submit]");
await page.waitForURL(/words=48213/);
const found = page.locator("table tbody tr");
check((await found.count()) === 1, "one conversation mentions order 48213");
const badReq = await axeViolations(page);
check(badReq.length === 0, "axe on the requests page: " + badReq.join("; "));
const exportLink = await found.locator("a", { hasText: "Readable export" }).getAttribute("href");
const exported = await page.request.get(base + exportLink);
check(exported.ok() && (await exported.text()).includes("48213"), "the readable export holds the conversation");
await page.screenshot({ path: `${shots}/requests.png` });
await found.locator("button.erase-conv").click();
const started = await found.locator("td").first().innerText();
check((await page.locator("#erase-title").innerText()).includes(started), "the erase form names the conversation it erases");
await page.press("#erase-reason", "Escape");
check(await page.locator("#erase-form").isHidden(), "Escape (like Keep it) leaves the conversation alone");
check((await found.count()) === 1, "nothing is erased without confirming");
await found.locator("button.erase-conv").click();
await page.fill("#erase-reason", "the visitor's email of 2 December");
const badErase = await axeViolations(page);
check(badErase.length === 0, "axe on the erase form: " + badErase.join("; "));
await page.click("#erase-confirm");
await page.locator("#requests-status", { hasText: "Erased" }).waitFor();
check((await page.locator("table tbody tr").count()) === 0, "the erased conversation leaves the list");
await page.goto(base + "/audit/log");
check((await page.locator("body").innerText()).includes("the visitor's email of 2 December"), "the audit log keeps the reason for the erasure");
// On a phone, no page is wider than the screen: wide tables scroll inside their section.
await page.setViewportSize({ width: 390, height: 844 });
for (const path of ["/operator", "/operator/articles/fr-livraison", "/operator/articles/fr-livraison/history", "/operator/gaps",
  "/operator/synonyms", "/operator/team", "/audit/requests?words=commande", "/audit/log", "/audit", "/agent", "/transparency", "/privacy", "/"]) {
  await page.goto(base + path);
  const [wide, screen] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(wide <= screen, `${path} is ${wide}px wide on a ${screen}px phone`);
}
await page.goto(base + "/audit/log");
await page.screenshot({ path: `${shots}/audit-phone.png` });

// A French browser gets the agent console in French, page and script alike.
const fr = await browser.newPage({ locale: "fr-FR", viewport: { width: 1280, height: 900 } });
guard(fr, "team.mjs French console");
await fr.goto(base + "/agent");
check((await fr.getAttribute("html", "lang")) === "fr", "the console says it is in French");
check((await fr.locator("#login-title").innerText()) === "Se connecter", "the sign-in form is in French");
await fr.fill("#email", email);
await fr.fill("#password", "not ada's password");
await fr.click("#login button[type=submit]");
await fr.locator("#login-error", { hasText: "E-mail ou mot de passe incorrect." }).waitFor();
await fr.fill("#password", "ada's brand new password");
await fr.click("#login button[type=submit]");
await fr.locator("#queue-title", { hasText: "En attente d'une personne" }).waitFor();
await fr.locator("#estimate", { hasText: /Aucun passage récent|Attente moyenne récente/ }).waitFor();
check((await fr.locator("#claim").innerText()) === "Prendre", "the actions are in French");
const badFr = await axeViolations(fr);
check(badFr.length === 0, "axe on the French console: " + badFr.join("; "));
await fr.click("a.lang");
await fr.locator("#queue-title", { hasText: "Waiting for a person" }).waitFor();
await browser.close();
console.log("team checks passed");
