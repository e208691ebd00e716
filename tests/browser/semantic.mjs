// With the embedding model on: a visitor asks in English what no word of the help centre
// matches, gets the answer found by meaning, and the "why this answer?" panel shows what
// the model compared (meaning + words = score against the bar, the closest line, the model).
// With "second" (the French model on too), a question MiniLM is unsure of shows the second
// model's row as well.
//   node semantic.mjs <base url> <screenshot dir> [second]
// Exits non-zero with a message on the first failed check.
import { check, guard, launch } from "./lib.mjs";

const [base, shots, second] = process.argv.slice(2);
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
guard(page, "semantic.mjs page");

await page.goto(base + "/?lang=en");
await page.locator("[data-candor] >> css=.launcher").click();
await page.locator("[data-candor] >> css=.notice").waitFor();
const input = page.locator("[data-candor] >> css=textarea");
await input.fill("How do I sign up on the site?");
await input.press("Enter");
const bot = page.locator("[data-candor] >> css=.msg.bot").first();
await bot.waitFor();
check((await bot.innerText()).includes("Creating and managing my account"), "the reply cites the account article");
await page.locator("[data-candor] >> css=.linkbtn").first().click();
const why = page.locator("[data-candor] >> css=.why");
await why.waitFor();
const text = await why.innerText();
check(text.includes("Closeness in meaning (language model)"), "the panel has the model's row");
check(/meaning 0\.\d+ \+ words 0\.\d+ = 0\.\d+ \(≥ 0\.46\)/.test(text), "it shows meaning + words = score against the bar: " + text);
check(/first by what sets it apart from the other articles \(0\.\d+\)/.test(text), "it shows the ranking score: " + text);
check(text.includes("all-MiniLM-L6-v2"), "it names the model");
check(text.includes("semantic_match"), "it names the rule");
check(text.includes("language model"), "the explanation says a language model decided");
await why.scrollIntoViewIfNeeded();
await page.screenshot({ path: `${shots}/widget-semantic.png` });
if (second) {
  await input.fill("What is the dispatch time?");
  await input.press("Enter");
  const reply = page.locator("[data-candor] >> css=.msg.bot").nth(1);
  await reply.waitFor();
  check((await reply.innerText()).includes("Delivery times and shipping costs"), "the reply cites the delivery article");
  await reply.locator("css=.linkbtn").first().click();
  const panel = reply.locator("css=.why");
  await panel.waitFor();
  const seen = await panel.innerText();
  check(seen.includes("Second opinion (the first model was unsure)"), "the panel has the second model's row: " + seen);
  check(/multilingual-e5-small \(4-bit\): meaning 0\.\d+; the first alone: 0\.\d+ \(Delivery times and shipping costs\)/.test(seen), "it shows both models' scores: " + seen);
  check(seen.includes("so I also asked a second one"), "the explanation says a second model was asked");
  await panel.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}/widget-second-opinion.png` });
}
await browser.close();
console.log("semantic browser checks passed");
