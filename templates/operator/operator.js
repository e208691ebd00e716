"use strict";
// The operator pages' behaviour: every change goes through the JSON API with the session
// cookie and the CSRF token; pages are server-rendered, so this only adds actions.
(function () {
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  async function api(method, url, body) {
    const res = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await res.json(); } catch (_) { data = null; }
    if (!res.ok) {
      const err = new Error(data && data.error ? data.error.message : "HTTP " + res.status);
      err.status = res.status;
      err.code = data && data.error ? data.error.code : "";
      throw err;
    }
    return data;
  }

  const signin = $("signin");
  if (signin) {
    signin.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await api("POST", "/api/v1/auth/session", { email: $("email").value, password: $("password").value });
        location.reload();
      } catch (e) { $("signin-error").textContent = e.message; }
    });
  }

  const logout = $("logout");
  if (logout) {
    logout.addEventListener("click", async () => {
      try { await api("POST", "/api/v1/auth/logout"); } finally { location.href = "/operator"; }
    });
  }

  const editor = $("editor");
  if (editor) setUpEditor(editor);

  function setUpEditor(form) {
    const isNew = form.dataset.new === "true";
    let version = Number(form.dataset.version);
    const gap = form.dataset.gap;
    const lines = (s) => s.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    const article = (state) => ({
      id: $("a-id").value.trim() || "new-article",
      title: $("a-title").value.trim(),
      lang: $("a-lang").value,
      url: $("a-url").value.trim() || null,
      tags: $("a-tags").value.split(",").map((t) => t.trim()).filter(Boolean),
      questions: lines($("a-questions").value),
      body: $("a-body").value,
      state: state || "published",
    });

    let timer = null;
    const refresh = async () => {
      try {
        const data = await api("POST", "/api/v1/articles/preview", { article: article() });
        $("preview").innerHTML = data.html; // rendered by the server with raw HTML escaped
        $("passages").textContent = data.passages.length + " passage(s) the assistant can quote from this text.";
      } catch (e) { $("passages").textContent = "Preview: " + e.message; }
    };
    form.addEventListener("input", (ev) => {
      if (ev.target.id === "try-q" || ev.target.id === "a-reason") return;
      clearTimeout(timer);
      timer = setTimeout(refresh, 350);
    });
    refresh();

    const showDecision = (label, d) => {
      const box = document.createElement("div");
      const h = document.createElement("h3");
      h.textContent = label;
      box.appendChild(h);
      const reply = document.createElement("div");
      const why = d.why;
      if (d.kind === "answer") {
        reply.className = "answer";
        reply.textContent = d.passage;
      } else {
        reply.className = "answer declined";
        reply.textContent = d.kind === "handoff" ? "Hands the conversation to a person." : "Declines: it finds no reliable answer and offers a person.";
      }
      box.appendChild(reply);
      const facts = document.createElement("p");
      facts.className = "muted";
      const cited = d.citations.length ? "From “" + d.citations[0].title + "” (" + d.citations[0].article_id + "). " : "";
      const matched = why.candidates.length ? " Matched words: " + (why.candidates[0].matched_terms.join(", ") || "none") + "." : "";
      facts.textContent = cited + "Confidence " + Math.round(why.confidence * 100) + " % (threshold " +
        Math.round(why.threshold * 100) + " %), rule " + why.rule + "." + matched + " " + why.explanation;
      box.appendChild(facts);
      return box;
    };

    $("try").addEventListener("click", async () => {
      const out = $("try-result");
      const question = $("try-q").value.trim();
      if (!question) { out.textContent = "Type a question first."; return; }
      out.textContent = "Asking…";
      try {
        const data = await api("POST", "/api/v1/articles/preview", { article: article(), question });
        out.textContent = "";
        out.appendChild(showDecision("Today", data.live));
        out.appendChild(showDecision("With this draft published", data.draft));
      } catch (e) { out.textContent = e.message; }
    });
    $("try-q").addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") { ev.preventDefault(); $("try").click(); }
    });

    const save = async (state) => {
      $("save-error").textContent = "";
      $("save-status").textContent = "Saving…";
      const body = Object.assign(article(state), { reason: $("a-reason").value.trim() || null });
      if (!$("a-id").value.trim()) {
        $("save-status").textContent = "";
        $("save-error").textContent = "Give the article an id first.";
        $("a-id").focus();
        return;
      }
      try {
        let saved;
        if (isNew) {
          saved = await api("POST", "/api/v1/articles", body);
          if (gap) await api("POST", "/api/v1/gaps/" + gap + "/link", { article_id: saved.id });
          location.href = reloadUrl(saved);
          return;
        }
        body.version = version;
        saved = await api("PUT", "/api/v1/articles/" + encodeURIComponent(body.id), body);
        if (version === 0) {
          // A file article's first save: reload to show its history link and new source.
          location.href = reloadUrl(saved);
          return;
        }
        version = saved.version;
        if ($("version-label")) $("version-label").textContent = version;
        if ($("state-badge")) { $("state-badge").textContent = saved.state; $("state-badge").className = "state " + saved.state; }
        $("save-status").textContent = statusText(version, saved.state);
      } catch (e) {
        $("save-status").textContent = "";
        $("save-error").textContent = e.code === "version_conflict"
          ? e.message + " Your text is still here: copy it, then reload the page."
          : e.message;
      }
    };
    form.addEventListener("submit", (ev) => { ev.preventDefault(); save("published"); });
    $("save-draft").addEventListener("click", () => save("draft"));
    const unpublish = $("unpublish");
    if (unpublish) {
      unpublish.addEventListener("click", async () => {
        if (!confirm("Unpublish this article? Visitors will no longer get answers from it; its history stays.")) return;
        try {
          const r = await api("DELETE", "/api/v1/articles/" + encodeURIComponent($("a-id").value));
          version = r.version;
          $("save-status").textContent = "Unpublished (version " + r.version + ").";
          if ($("state-badge")) { $("state-badge").textContent = "unpublished"; $("state-badge").className = "state unpublished"; }
        } catch (e) { $("save-error").textContent = e.message; }
      });
    }
    const params = new URLSearchParams(location.search);
    const saved = params.get("saved");
    if (saved) $("save-status").textContent = statusText(saved, params.get("state"));
  }

  function reloadUrl(saved) {
    return "/operator/articles/" + encodeURIComponent(saved.id) + "?saved=" + saved.version + "&state=" + saved.state;
  }

  function statusText(version, state) {
    return state === "published"
      ? "Published as version " + version + ": the next visitor question uses it."
      : "Saved as draft, version " + version + ": visitors still get the published text.";
  }

  const history = $("history");
  if (history) {
    history.addEventListener("click", async (ev) => {
      const button = ev.target.closest("button.restore");
      if (!button) return;
      try {
        const id = encodeURIComponent(history.dataset.id);
        await api("POST", "/api/v1/articles/" + id + "/versions/" + button.dataset.version + "/restore");
        location.reload();
      } catch (e) { $("history-error").textContent = e.message; }
    });
  }

  const synonyms = $("synonyms");
  if (synonyms) {
    const body = $("rules");
    $("add-rule").addEventListener("click", () => {
      const first = body.querySelector("tr");
      const row = document.createElement("tr");
      row.innerHTML = '<td><select aria-label="Language" class="s-lang"><option value="fr">Français</option><option value="en">English</option></select></td>' +
        '<td><input aria-label="Visitors write" class="s-phrase" maxlength="100"></td>' +
        '<td><input aria-label="Also search" class="s-expansion" maxlength="200" style="width: 100%"></td>' +
        '<td><button type="button" class="remove">Remove</button></td>';
      if (first) row.querySelector(".s-lang").value = first.querySelector(".s-lang").value;
      body.appendChild(row);
      row.querySelector(".s-phrase").focus();
    });
    body.addEventListener("click", (ev) => {
      if (ev.target.matches("button.remove")) ev.target.closest("tr").remove();
    });
    synonyms.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $("syn-error").textContent = "";
      const rules = Array.from(body.querySelectorAll("tr"))
        .map((tr) => ({
          lang: tr.querySelector(".s-lang").value,
          phrase: tr.querySelector(".s-phrase").value.trim(),
          expansion: tr.querySelector(".s-expansion").value.trim(),
        }))
        .filter((r) => r.phrase || r.expansion);
      try {
        const r = await api("PUT", "/api/v1/synonyms", rules);
        $("syn-status").textContent = r.rules + " rule(s) saved: the next question uses them.";
      } catch (e) { $("syn-error").textContent = e.message; }
    });
  }

  document.querySelectorAll("button.dismiss").forEach((b) => {
    b.addEventListener("click", async () => {
      try {
        await api("POST", "/api/v1/gaps/" + b.dataset.key + "/dismiss");
        const row = document.getElementById("gap-" + b.dataset.key);
        if (row) row.remove();
      } catch (e) { $("gaps-error").textContent = e.message; }
    });
  });
  // The team page (admins): role changes, switching accounts off and on, adding a person.
  document.querySelectorAll("tr[data-id]").forEach((tr) => {
    const id = tr.dataset.id;
    const change = async (body, done) => {
      $("team-error").textContent = "";
      try {
        const u = await api("PATCH", "/api/v1/admin/users/" + id, body);
        $("team-status").textContent = done(u);
        return u;
      } catch (e) { $("team-error").textContent = e.message; return null; }
    };
    const setPassword = tr.querySelector(".u-set-password");
    if (setPassword) setPassword.addEventListener("click", async () => {
      const input = tr.querySelector(".u-password");
      const u = await change({ password: input.value }, (u) => "New password set for " + u.email + "; " + u.tokens_revoked + " sign-in(s) ended.");
      if (u) input.value = "";
    });
    const role = tr.querySelector(".u-role");
    if (role) role.addEventListener("change", () => change({ role: role.value }, (u) => u.email + " is now " + u.role + "."));
    const toggle = tr.querySelector(".u-toggle");
    if (toggle) toggle.addEventListener("click", async () => {
      const off = toggle.dataset.disabled !== "true";
      if (off && !confirm("Switch this account off now? Its sessions end and the conversations it holds go back to the queue.")) return;
      const u = await change({ disabled: off }, (u) => off
        ? u.email + " is switched off: " + u.tokens_revoked + " sign-in(s) ended, " + u.requeued.length + " conversation(s) back in the queue."
        : u.email + " can sign in again.");
      if (u) {
        toggle.dataset.disabled = String(u.disabled);
        toggle.textContent = u.disabled ? "Switch on" : "Switch off";
        const badge = tr.querySelector(".state");
        badge.textContent = u.disabled ? "switched off" : "active";
        badge.className = "state " + (u.disabled ? "unpublished" : "published");
      }
    });
  });
  const add = $("add-user");
  if (add) {
    add.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $("team-error").textContent = "";
      try {
        await api("POST", "/api/v1/admin/users", {
          email: $("n-email").value.trim(), name: $("n-name").value.trim(),
          role: $("n-role").value, password: $("n-password").value,
        });
        location.reload();
      } catch (e) { $("team-error").textContent = e.message; }
    });
  }
  const own = $("own-password");
  if (own) {
    own.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $("password-error").textContent = "";
      $("password-status").textContent = "";
      try {
        const r = await api("POST", "/api/v1/auth/password", {
          current_password: $("current-password").value, new_password: $("new-password").value,
        });
        own.reset();
        $("password-status").textContent = "Password changed; " + r.other_sessions_ended + " other sign-in(s) ended.";
      } catch (e) { $("password-error").textContent = e.message; }
    });
  }
  // Visitors' requests (admins): erasure on request, with the reason kept in the audit log.
  // The reason is asked in the page, next to what will be erased (a browser prompt() can be
  // blocked, and says nothing about which conversation it is).
  const eraseForm = $("erase-form");
  let eraseButton = null;
  document.querySelectorAll("button.erase-conv").forEach((b) => {
    b.addEventListener("click", () => {
      eraseButton = b;
      $("erase-which").textContent = b.dataset.started;
      eraseForm.hidden = false;
      $("erase-reason").focus();
    });
  });
  if (eraseForm) {
    eraseForm.addEventListener("keydown", (ev) => { if (ev.key === "Escape") $("erase-cancel").click(); });
    $("erase-cancel").addEventListener("click", () => {
      eraseForm.hidden = true;
      if (eraseButton) eraseButton.focus();
      eraseButton = null;
    });
    eraseForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const reason = $("erase-reason").value.trim();
      if (!eraseButton || !reason) return;
      $("requests-error").textContent = "";
      $("requests-status").textContent = "";
      try {
        await api("DELETE", "/api/v1/agent/conversations/" + eraseButton.dataset.id, { reason });
        const row = document.getElementById("conv-" + eraseButton.dataset.id);
        if (row) row.remove();
        eraseForm.reset();
        eraseForm.hidden = true;
        eraseButton = null;
        $("requests-status").textContent = "Erased: only anonymous daily counts remain.";
      } catch (e) { $("requests-error").textContent = e.message; }
    });
  }
})();
