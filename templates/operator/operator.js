"use strict";
// The operator pages' behaviour: every change goes through the JSON API with the session
// cookie and the CSRF token; pages are server-rendered, so this only adds actions.
(function () {
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  // The page's language (set by the server from ?ui=, its cookie or the browser); the
  // page's own texts are rendered there, these are the ones this script writes.
  const fr = document.documentElement.lang === "fr";
  const T = fr ? {
    passages: (n) => (n < 2 ? `${n} passage que l'assistant peut citer dans ce texte.` : `${n} passages que l'assistant peut citer dans ce texte.`),
    preview: "Aperçu : ",
    hands: "Passe la conversation à une personne.",
    declines: "Ne répond pas : il ne trouve pas de réponse fiable et propose une personne.",
    smallTalk: "Répond par une phrase toute faite : ce n'est pas une question (salutation, remerciement…).",
    otherLanguage: "Ne cherche pas : la question n'est ni en français ni en anglais ; il le dit et propose une personne.",
    from: (title, id) => "D'après « " + title + " » (" + id + "). ",
    matched: (words) => " Mots trouvés : " + (words || "aucun") + ".",
    confidence: (c, t, rule) => "Confiance " + c + " % (seuil " + t + " %), règle " + rule + ".",
    typeFirst: "Tapez d'abord une question.",
    asking: "Question en cours…",
    today: "Aujourd'hui",
    withDraft: "Avec ce brouillon publié",
    saving: "Enregistrement…",
    idFirst: "Donnez d'abord un identifiant à l'article.",
    keepText: " Votre texte est toujours là : copiez-le, puis rechargez la page.",
    unpublishConfirm: "Dépublier cet article ? Les visiteurs n'en recevront plus de réponses ; son historique reste.",
    unpublished: (v) => "Dépublié (version " + v + ").",
    published: (v) => "Publié en version " + v + " : la prochaine question d'un visiteur l'utilise.",
    drafted: (v) => "Enregistré comme brouillon, version " + v + " : les visiteurs reçoivent toujours le texte publié.",
    states: { published: "publié", draft: "brouillon", unpublished: "dépublié" },
    language: "Langue", visitorsWrite: "Les visiteurs écrivent", alsoSearch: "Chercher aussi", remove: "Retirer",
    rulesSaved: (n) => n + " règle(s) enregistrée(s) : la prochaine question les utilise.",
    passwordSet: (email, n) => "Nouveau mot de passe défini pour " + email + " ; " + n + " connexion(s) terminée(s).",
    roleNow: (email, role) => email + " est maintenant " + (({ operator: "opérateur", admin: "administrateur" })[role] || role) + ".",
    switchOffConfirm: "Désactiver ce compte maintenant ? Ses sessions prennent fin et les conversations qu'il tient retournent dans la file.",
    switchedOff: (email, n, m) => email + " est désactivé : " + n + " connexion(s) terminée(s), " + m + " conversation(s) remise(s) dans la file.",
    switchedOn: (email) => email + " peut de nouveau se connecter.",
    switchOn: "Réactiver", switchOff: "Désactiver", off: "désactivé", active: "actif",
    passwordChanged: (n) => "Mot de passe changé ; " + n + " autre(s) connexion(s) terminée(s).",
    erased: "Effacée : seuls restent des comptes quotidiens anonymes.",
    reviewFixed: (v) => " Le vote « pas utile » est marqué corrigé par la version " + v + ".",
    resolved: { acceptable: "Vote marqué acceptable.", escalated: "Vote marqué remonté." },
    // Errors whose server text says nothing more than the code; the others name a field or
    // a limit, and are shown as the server wrote them.
    errors: {
      invalid_credentials: "E-mail ou mot de passe incorrect.",
      account_disabled: "Ce compte est désactivé : voyez avec un administrateur.",
      csrf_failed: "La page a expiré : rechargez-la.",
      missing_token: "Votre session a pris fin : rechargez la page et reconnectez-vous.",
      invalid_token: "Votre session a pris fin : rechargez la page et reconnectez-vous.",
      rate_limited: "Trop d'essais : attendez un peu avant de recommencer.",
      unavailable: "Le serveur ne joint pas sa base de données : réessayez dans quelques secondes.",
      internal: "Erreur du serveur : réessayez ; si elle revient, prévenez l'équipe technique.",
      network: "Le serveur ne répond pas : vérifiez la connexion et réessayez.",
    },
    // An article the server refused, from the facts it gives (error.detail).
    refusal: (d) => {
      const f = { title: "le titre", tags: "les étiquettes", "example questions": "les questions d'exemple", url: "l'adresse",
        id: "l'identifiant", lang: "la langue", "a tag or example question": "une étiquette ou une question d'exemple" }[d.field] || d.field;
      const F = f.charAt(0).toUpperCase() + f.slice(1);
      return {
        empty_body: "Le texte de l'article est vide.",
        no_passage: "Le texte a des titres mais aucun paragraphe d'où répondre.",
        too_long: `${F} dépasse ${d.limit} caractères.`,
        too_many: `Plus de ${d.limit} : ${f} (réduisez la liste).`,
        bad_url: "L'adresse doit commencer par https://, http:// ou / (un chemin du site), sans espaces.",
        bad_id: "Identifiant invalide : lettres, chiffres, « - » et « _ » seulement.",
        missing: `Champ obligatoire manquant : ${f}.`,
        unknown_lang: "Langue inconnue : fr ou en.",
        too_large: "L'article dépasse 1 Mio.",
      }[d.reason];
    },
  } : {
    passages: (n) => (n === 1 ? "1 passage the assistant can quote from this text." : `${n} passages the assistant can quote from this text.`),
    preview: "Preview: ",
    hands: "Hands the conversation to a person.",
    declines: "Declines: it finds no reliable answer and offers a person.",
    smallTalk: "Replies with a fixed sentence: this is no question (a greeting, thanks…).",
    otherLanguage: "Does not search: the question is in neither French nor English; it says so and offers a person.",
    from: (title, id) => "From “" + title + "” (" + id + "). ",
    matched: (words) => " Matched words: " + (words || "none") + ".",
    confidence: (c, t, rule) => "Confidence " + c + " % (threshold " + t + " %), rule " + rule + ".",
    typeFirst: "Type a question first.",
    asking: "Asking…",
    today: "Today",
    withDraft: "With this draft published",
    saving: "Saving…",
    idFirst: "Give the article an id first.",
    keepText: " Your text is still here: copy it, then reload the page.",
    unpublishConfirm: "Unpublish this article? Visitors will no longer get answers from it; its history stays.",
    unpublished: (v) => "Unpublished (version " + v + ").",
    published: (v) => "Published as version " + v + ": the next visitor question uses it.",
    drafted: (v) => "Saved as draft, version " + v + ": visitors still get the published text.",
    states: {},
    language: "Language", visitorsWrite: "Visitors write", alsoSearch: "Also search", remove: "Remove",
    rulesSaved: (n) => n + " rule(s) saved: the next question uses them.",
    passwordSet: (email, n) => "New password set for " + email + "; " + n + " sign-in(s) ended.",
    roleNow: (email, role) => email + " is now " + role + ".",
    switchOffConfirm: "Switch this account off now? Its sessions end and the conversations it holds go back to the queue.",
    switchedOff: (email, n, m) => email + " is switched off: " + n + " sign-in(s) ended, " + m + " conversation(s) back in the queue.",
    switchedOn: (email) => email + " can sign in again.",
    switchOn: "Switch on", switchOff: "Switch off", off: "switched off", active: "active",
    passwordChanged: (n) => "Password changed; " + n + " other sign-in(s) ended.",
    erased: "Erased: only anonymous daily counts remain.",
    reviewFixed: (v) => " The “not helpful” vote is marked fixed by version " + v + ".",
    resolved: { acceptable: "Vote marked acceptable.", escalated: "Vote marked escalated." },
    errors: { network: "The server does not answer: check the connection and try again." },
    refusal: () => undefined, // the server's English message says it
  };
  const stateName = (s) => T.states[s] || s;

  async function api(method, url, body) {
    let res;
    try {
      res = await fetch(url, {
        method,
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      const err = new Error(T.errors.network);
      err.code = "network";
      throw err;
    }
    let data = null;
    try { data = await res.json(); } catch (_) { data = null; }
    if (!res.ok) {
      const code = data && data.error ? data.error.code : "";
      const detail = data && data.error && data.error.detail;
      const err = new Error(T.errors[code] || (detail && T.refusal(detail)) || (data && data.error ? data.error.message : "HTTP " + res.status));
      err.status = res.status;
      err.code = data && data.error ? data.error.code : "";
      throw err;
    }
    return data;
  }

  // The language link keeps the page's own query (filters, a gap's questions), changing only ui.
  document.querySelectorAll("a.ui-lang").forEach((a) => {
    const url = new URL(location.href);
    url.searchParams.set("ui", a.getAttribute("hreflang"));
    a.href = url.pathname + url.search;
  });

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
    let review = form.dataset.review;
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
        $("passages").textContent = T.passages(data.passages.length);
      } catch (e) { $("passages").textContent = T.preview + e.message; }
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
        reply.textContent = d.kind === "handoff" ? T.hands : d.kind === "small_talk" ? T.smallTalk
          : why.rule === "unsupported_language" ? T.otherLanguage : T.declines;
      }
      box.appendChild(reply);
      const facts = document.createElement("p");
      facts.className = "muted";
      const cited = d.citations.length ? T.from(d.citations[0].title, d.citations[0].article_id) : "";
      const matched = why.candidates.length ? T.matched(why.candidates[0].matched_terms.join(", ")) : "";
      facts.textContent = cited + T.confidence(Math.round(why.confidence * 100), Math.round(why.threshold * 100), why.rule) +
        matched + " " + why.explanation;
      box.appendChild(facts);
      return box;
    };

    $("try").addEventListener("click", async () => {
      const out = $("try-result");
      const question = $("try-q").value.trim();
      if (!question) { out.textContent = T.typeFirst; return; }
      out.textContent = T.asking;
      try {
        const data = await api("POST", "/api/v1/articles/preview", { article: article(), question });
        out.textContent = "";
        out.appendChild(showDecision(T.today, data.live));
        out.appendChild(showDecision(T.withDraft, data.draft));
      } catch (e) { out.textContent = e.message; }
    });
    $("try-q").addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") { ev.preventDefault(); $("try").click(); }
    });

    const save = async (state) => {
      $("save-error").textContent = "";
      $("save-status").textContent = T.saving;
      const body = Object.assign(article(state), { reason: $("a-reason").value.trim() || null });
      if (!$("a-id").value.trim()) {
        $("save-status").textContent = "";
        $("save-error").textContent = T.idFirst;
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
        let fixed = "", didFix = false;
        if (review && saved.state === "published") {
          // The fix is published: the vote it answers is resolved with this version.
          // The article is saved either way; a vote someone resolved meanwhile is only said.
          try {
            await api("POST", "/api/v1/review/" + review + "/resolve",
              { resolution: "fixed_article", article_version: saved.id + " v" + saved.version });
            fixed = T.reviewFixed(saved.version);
            didFix = true;
          } catch (e) { fixed = " " + e.message; }
          review = "";
        }
        if (version === 0) {
          // A file article's first save: reload to show its history link and new source.
          location.href = reloadUrl(saved) + (didFix ? "&fixed=1" : "");
          return;
        }
        version = saved.version;
        if ($("version-label")) $("version-label").textContent = version;
        if ($("state-badge")) { $("state-badge").textContent = stateName(saved.state); $("state-badge").className = "state " + saved.state; }
        $("save-status").textContent = statusText(version, saved.state) + fixed;
      } catch (e) {
        $("save-status").textContent = "";
        $("save-error").textContent = e.code === "version_conflict"
          ? e.message + T.keepText
          : e.message;
      }
    };
    form.addEventListener("submit", (ev) => { ev.preventDefault(); save("published"); });
    $("save-draft").addEventListener("click", () => save("draft"));
    const unpublish = $("unpublish");
    if (unpublish) {
      unpublish.addEventListener("click", async () => {
        if (!confirm(T.unpublishConfirm)) return;
        try {
          const r = await api("DELETE", "/api/v1/articles/" + encodeURIComponent($("a-id").value));
          version = r.version;
          $("save-status").textContent = T.unpublished(r.version);
          if ($("state-badge")) { $("state-badge").textContent = stateName("unpublished"); $("state-badge").className = "state unpublished"; }
        } catch (e) { $("save-error").textContent = e.message; }
      });
    }
    const params = new URLSearchParams(location.search);
    const saved = params.get("saved");
    if (saved) $("save-status").textContent = statusText(saved, params.get("state")) + (params.get("fixed") ? T.reviewFixed(saved) : "");
  }

  function reloadUrl(saved) {
    return "/operator/articles/" + encodeURIComponent(saved.id) + "?saved=" + saved.version + "&state=" + saved.state;
  }

  function statusText(version, state) {
    return state === "published" ? T.published(version) : T.drafted(version);
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
      row.innerHTML = '<td><select class="s-lang"><option value="fr">Français</option><option value="en">English</option></select></td>' +
        '<td><input class="s-phrase" maxlength="100"></td>' +
        '<td><input class="s-expansion" maxlength="200" style="width: 100%"></td>' +
        '<td><button type="button" class="remove"></button></td>';
      row.querySelector(".s-lang").setAttribute("aria-label", T.language);
      row.querySelector(".s-phrase").setAttribute("aria-label", T.visitorsWrite);
      row.querySelector(".s-expansion").setAttribute("aria-label", T.alsoSearch);
      row.querySelector(".remove").textContent = T.remove;
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
        $("syn-status").textContent = T.rulesSaved(r.rules);
      } catch (e) { $("syn-error").textContent = e.message; }
    });
  }

  // The review queue: a vote marked acceptable or escalated leaves the list.
  document.querySelectorAll("button.resolve").forEach((b) => {
    b.addEventListener("click", async () => {
      $("review-error").textContent = "";
      try {
        await api("POST", "/api/v1/review/" + b.dataset.id + "/resolve", { resolution: b.dataset.resolution });
        const row = document.getElementById("vote-" + b.dataset.id);
        if (row) row.remove();
        $("review-status").textContent = T.resolved[b.dataset.resolution];
      } catch (e) { $("review-error").textContent = e.message; }
    });
  });

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
      const u = await change({ password: input.value }, (u) => T.passwordSet(u.email, u.tokens_revoked));
      if (u) input.value = "";
    });
    const role = tr.querySelector(".u-role");
    if (role) role.addEventListener("change", () => change({ role: role.value }, (u) => T.roleNow(u.email, u.role)));
    const toggle = tr.querySelector(".u-toggle");
    if (toggle) toggle.addEventListener("click", async () => {
      const off = toggle.dataset.disabled !== "true";
      if (off && !confirm(T.switchOffConfirm)) return;
      const u = await change({ disabled: off }, (u) => off
        ? T.switchedOff(u.email, u.tokens_revoked, u.requeued.length)
        : T.switchedOn(u.email));
      if (u) {
        toggle.dataset.disabled = String(u.disabled);
        toggle.textContent = u.disabled ? T.switchOn : T.switchOff;
        const badge = tr.querySelector(".state");
        badge.textContent = u.disabled ? T.off : T.active;
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
        $("password-status").textContent = T.passwordChanged(r.other_sessions_ended);
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
        $("requests-status").textContent = T.erased;
      } catch (e) { $("requests-error").textContent = e.message; }
    });
  }
})();
