// What the browser scripts share: the check that stops at the first failure, Chromium
// launched the way this machine allows, and axe-core's serious/critical violations.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export function check(condition, message) {
  if (!condition) {
    console.error("FAILED: " + message);
    process.exit(1);
  }
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--no-first-run", "--disable-quic"],
  });
}

// Fails on any script error or Content-Security-Policy refusal the page reports: the pages
// are served with a strict policy, and what it blocks would be broken for real users.
export function guard(page, what) {
  page.on("pageerror", (e) => check(false, `${what}: page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) {
      check(false, `${what}: ${m.text()}`);
    }
  });
}

// Serious and critical axe-core violations on the page, as "id (impact): n nodes".
export async function axeViolations(page) {
  const results = await page.evaluate(async (src) => {
    // eslint-disable-next-line no-eval
    eval(src);
    return await window.axe.run(document, { resultTypes: ["violations"] });
  }, axeSource);
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} nodes`);
}

// Lets the server store the first `times` message sends of `page`, then cuts each one's
// answer off, as a dropped connection would; the rest pass. Returns how many were cut so far.
export async function loseAnswers(page, times) {
  const lost = { count: 0 };
  await page.route("**/messages", async (route) => {
    if (lost.count === times || route.request().method() !== "POST") return route.continue();
    lost.count += 1;
    await route.fetch();
    await route.abort("connectionreset");
  });
  return lost;
}
