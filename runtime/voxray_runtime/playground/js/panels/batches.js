// Batches: the runs in the server's output directory (GET /v1/batches), one run as a post x avatar
// grid (GET /v1/batches/manifest), filters, a player for any file (GET /v1/batches/file), progress
// while a run is going (polled), and failures with their reasons.

import { getJson, request } from "../api.js";
import { describeVoice, languageName } from "../voices.js";
import { announce, el, fallbackBadge, seconds, select, setOptions } from "../ui.js";
import { captionMark, galleryCaptions } from "./gallery_captions.js";

const POLL_MS = 2000;

function query(params) {
  return new URLSearchParams(params).toString();
}

function stateLabel(run) {
  if (run.state === "running" && run.progress) {
    return `running: ${run.progress.done} of ${run.progress.total} files`;
  }
  return run.state;
}

export const panel = {
  id: "batches",
  title: "Batches",
  mount(root) {
    const [runLabel, runBox] = select("batch-run", "Run", [{ value: "", label: "no runs found" }]);
    const refreshButton = el("button", { type: "button", class: "quiet", id: "batch-refresh" }, "Refresh");
    const [langLabel, langBox] = select("batch-language", "Language", [{ value: "", label: "all" }]);
    const [genLabel, genBox] = select("batch-gender", "Gender", [{ value: "", label: "all" }]);
    const [postLabel, postBox] = select("batch-post", "Post", [{ value: "", label: "all" }]);
    const summary = el("div", { class: "run-summary", id: "batch-summary", "aria-live": "polite" });
    const progress = el("progress", { id: "batch-progress", max: "1", value: "0", hidden: true, "aria-label": "Batch progress" });
    const grid = el("div", { class: "grid-wrap", id: "batch-grid" });
    const failures = el("div", { id: "batch-failures" });
    const nowPlaying = el("p", { class: "voice-used", id: "batch-now" }, "Choose a file to play it.");
    const player = el("audio", { controls: true, preload: "none", id: "batch-audio", "data-testid": "batch-audio" });
    const captionsBox = el("div", { id: "batch-captions" });
    const message = el("p", { class: "error", role: "alert", hidden: true });
    let detail = null;
    let timer = 0;
    let playingUrl = "";

    function fail(err) {
      message.hidden = false;
      message.textContent = err.message;
      announce(err.message);
    }

    async function loadRuns() {
      message.hidden = true;
      try {
        const { runs } = await getJson("v1/batches");
        const keep = runBox.value;
        setOptions(
          runBox,
          runs.length
            ? runs.map((r) => ({ value: r.id, label: `${r.id === "." ? "output directory" : r.id} · ${stateLabel(r)} · ${r.files} files` }))
            : [{ value: "", label: "no runs found" }],
          keep,
        );
        runBox.disabled = runs.length === 0;
        if (runs.length) await loadRun();
        else {
          summary.textContent = "No batch runs in the output directory yet (voxray batch, or make run, renders one).";
          grid.replaceChildren();
        }
      } catch (err) {
        fail(err);
      }
    }

    async function loadRun() {
      clearTimeout(timer);
      if (!runBox.value) return;
      try {
        detail = await getJson(`v1/batches/manifest?${query({ run: runBox.value })}`);
      } catch (err) {
        fail(err);
        return;
      }
      renderFilters();
      render();
      if (detail.state === "running") timer = setTimeout(loadRun, POLL_MS);
    }

    function renderFilters() {
      const entries = detail.entries;
      const langs = [...new Set(entries.map((e) => e.language).filter(Boolean))];
      setOptions(langBox, [{ value: "", label: "all" }, ...langs.map((l) => ({ value: l, label: languageName(l) }))]);
      const genders = [...new Set(entries.map((e) => e.gender).filter(Boolean))];
      setOptions(genBox, [{ value: "", label: "all" }, ...genders.map((g) => ({ value: g, label: g }))]);
      const posts = [...new Map(entries.map((e) => [String(e.index), e.id || `#${e.index}`]))];
      setOptions(postBox, [{ value: "", label: "all" }, ...posts.map(([i, id]) => ({ value: i, label: id }))]);
    }

    function render() {
      const d = detail;
      const facts = [`${d.files} files`, d.total !== null ? `of ${d.total} planned` : null, `${d.failed} failed`, d.state];
      const qa = qaCounts(d.entries);
      if (qa) facts.push(`quality: ${qa.checked} checked, ${qa.passed} passed, ${qa.failed} failed, ${qa.unchecked} unchecked`);
      if (d.finished_at) facts.push(`finished ${d.finished_at}`);
      summary.replaceChildren(
        el("p", {}, el("strong", {}, d.id === "." ? "Output directory" : d.id), ` · ${facts.filter(Boolean).join(" · ")}`),
        d.models.length ? el("p", { class: "muted" }, `models: ${d.models.join(", ")}`) : "",
      );
      progress.hidden = !(d.state === "running" && d.progress);
      if (d.progress) {
        progress.max = Math.max(1, d.progress.total);
        progress.value = d.progress.done;
        progress.textContent = `${d.progress.done} of ${d.progress.total}`;
      }
      const shown = d.entries.filter(
        (e) =>
          (!langBox.value || e.language === langBox.value) &&
          (!genBox.value || e.gender === genBox.value) &&
          (!postBox.value || String(e.index) === postBox.value),
      );
      const avatars = [...new Set(shown.map((e) => e.avatar))];
      const posts = [...new Map(shown.map((e) => [e.index, e.id || `#${e.index}`]))];
      const cell = new Map(shown.map((e) => [`${e.index}|${e.avatar}`, e]));
      if (!shown.length) {
        grid.replaceChildren(el("p", { class: "muted" }, "No files match."));
      } else {
        grid.replaceChildren(
          el(
            "table",
            { class: "batch-grid" },
            el("caption", { class: "sr-only" }, "Files by post and avatar"),
            el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Post"), ...avatars.map((a) => el("th", { scope: "col" }, a)))),
            el(
              "tbody",
              {},
              ...posts.map(([index, id]) =>
                el(
                  "tr",
                  {},
                  el("th", { scope: "row" }, id),
                  ...avatars.map((a) => {
                    const e = cell.get(`${index}|${a}`);
                    if (!e) return el("td", { class: "missing" }, "—");
                    return el(
                      "td",
                      {},
                      el(
                        "button",
                        {
                          type: "button",
                          class: "cell",
                          "data-name": e.name,
                          onclick: () => play(e),
                        },
                        // the name is the visible text with the file in front (hidden), so it contains what is seen
                        el("span", { class: "sr-only" }, `Play ${e.name}: `),
                        `${seconds(e.duration_s)} `,
                        el("span", { class: "engine" }, e.engine),
                        e.fallback ? el("span", { class: "sr-only" }, ", fallback") : null,
                      ),
                      e.fallback ? fallbackBadge(e.fallback_reason) : null,
                      qaBadge(e.qa),
                      captionMark(e),
                    );
                  }),
                ),
              ),
            ),
          ),
        );
      }
      failures.replaceChildren(
        ...(d.failures.length
          ? [
              el("h3", {}, `Failures (${d.failures.length})`),
              el(
                "ul",
                { class: "failures" },
                ...d.failures.map((f) => el("li", {}, el("code", {}, f.name || f.avatar || "?"), `: ${f.error_type || "error"}: ${f.error || ""} (attempts: ${f.attempts ?? "?"})`)),
              ),
            ]
          : []),
      );
    }

    async function play(entry) {
      message.hidden = true;
      nowPlaying.textContent = `Loading ${entry.name}…`;
      try {
        const response = await request(`v1/batches/file?${query({ run: detail.id, name: entry.name })}`);
        const blob = await response.blob();
        if (playingUrl) URL.revokeObjectURL(playingUrl);
        playingUrl = URL.createObjectURL(blob);
        player.src = playingUrl;
        player.dataset.name = entry.name;
        nowPlaying.replaceChildren(
          el("code", {}, entry.name),
          ` · ${seconds(entry.duration_s)} · `,
          describeVoice(entry),
        );
        captionsBox.replaceChildren(...(await galleryCaptions(player, detail.id, entry)));
        await player.play().catch(() => undefined);
        announce(`Playing ${entry.name}`);
      } catch (err) {
        fail(err);
      }
    }

    runBox.addEventListener("change", loadRun);
    refreshButton.addEventListener("click", loadRuns);
    for (const box of [langBox, genBox, postBox]) box.addEventListener("change", () => detail && render());

    root.append(
      el("div", { class: "row" }, el("div", { class: "field" }, runLabel, runBox), refreshButton),
      summary,
      progress,
      el(
        "fieldset",
        { class: "filters" },
        el("legend", {}, "Filter"),
        el("div", { class: "field" }, langLabel, langBox),
        el("div", { class: "field" }, genLabel, genBox),
        el("div", { class: "field" }, postLabel, postBox),
      ),
      el("div", { class: "now-playing" }, nowPlaying, player, captionsBox),
      message,
      grid,
      failures,
    );
    return { show: loadRuns };
  },
};

/** The quality check counts over a run's files (null when none was checked). */
function qaCounts(entries) {
  const rows = entries.map((e) => e.qa).filter(Boolean);
  if (!rows.length) return null;
  const n = (v) => rows.filter((q) => q.verdict === v).length;
  return { checked: n("passed") + n("failed"), passed: n("passed"), failed: n("failed"), unchecked: n("unchecked") };
}

/** A file's quality verdict: passed (its CER), failed (CER over the bound, what was heard), unchecked (why). */
function qaBadge(qa) {
  if (!qa) return null;
  const cer = qa.cer !== null && qa.cer !== undefined ? ` CER ${Number(qa.cer).toFixed(2)}` : "";
  const title =
    qa.verdict === "failed"
      ? `CER ${qa.cer} over ${qa.bound} after ${qa.renders} render(s); heard: ${qa.transcript || ""}`
      : qa.verdict === "unchecked"
        ? qa.reason || ""
        : `CER ${qa.cer} within ${qa.bound}`;
  const kind = { passed: "true", failed: "fallback", unchecked: "" }[qa.verdict] ?? "";
  return el("span", { class: `badge qa ${kind}`.trim(), title, "data-testid": "qa-badge", "data-verdict": qa.verdict }, `QA ${qa.verdict}${qa.verdict === "unchecked" ? "" : cer}`);
}
