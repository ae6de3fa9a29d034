// Ta'awun page behaviour: citation markers open their passage; copy the last answer with its sources.
(function () {
  function openSource(turn, n) {
    const el = document.getElementById("t" + turn + "-src-" + n);
    if (!el) return false;
    document.querySelectorAll("details.source.active").forEach((d) => d.classList.remove("active"));
    el.open = true;
    el.classList.add("active");
    el.scrollIntoView({ block: "nearest", behavior: "smooth" });
    return true;
  }
  document.addEventListener("click", function (ev) {
    const a = ev.target && ev.target.closest ? ev.target.closest("a.cite") : null;
    if (!a) return;
    ev.preventDefault();
    openSource(a.dataset.turn, a.dataset.n);
  }, true);
  // Page language and direction follow the interface language chosen on the server (title's data-lang).
  function syncDirection() {
    const title = document.querySelector(".app-title[data-lang]");
    if (!title) return;
    const lang = title.dataset.lang === "ar" ? "ar" : "en";
    if (document.documentElement.getAttribute("lang") !== lang) document.documentElement.setAttribute("lang", lang);
    const dir = lang === "ar" ? "rtl" : "ltr";
    if (document.documentElement.getAttribute("dir") !== dir) document.documentElement.setAttribute("dir", dir);
  }
  new MutationObserver(syncDirection).observe(document.documentElement, { childList: true, subtree: true, attributes: true,
    attributeFilter: ["data-lang"] });
  // Uploads go to Gradio's upload route the moment files are chosen, before any button is pressed, and
  // the server refuses them without the editor's token; so the token field is mirrored into a cookie
  // (session-only, this site only) that those requests carry.
  document.addEventListener("input", function (ev) {
    const el = ev.target;
    if (!el || !el.closest || !el.closest("#token")) return;
    const v = el.value || "";
    document.cookie = "taawun_editor=" + encodeURIComponent(v) + "; path=/; SameSite=Strict" +
      (v ? "" : "; max-age=0");
  }, true);
  window.taawunCopy = function () {
    const msgs = document.querySelectorAll("#chat .msg.bot");
    if (!msgs.length) return;
    const last = msgs[msgs.length - 1];
    const turn = last.id.replace("turn-", "");
    let text = last.innerText.trim();
    document.querySelectorAll('#sources section[data-turn="' + turn + '"] details.source').forEach((d) => {
      const title = d.querySelector(".title"), meta = d.querySelector(".meta"), mark = d.querySelector("mark");
      text += "\n[" + d.dataset.n + "] " + (title ? title.innerText : "") + " — " + (meta ? meta.innerText : "") +
        "\n    “" + (mark ? mark.innerText : "") + "”";
    });
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).catch(() => {});
    }
    window.taawunLastCopy = text;
  };
})();
