// Captions of a clip (POST /v1/speech/captioned): the words under the player as spans, the word being
// spoken highlighted while it plays, SRT and WebVTT downloads, and the loudness it was delivered at.
// Arabic and Urdu read right to left; Latin words and digits inside them are isolated (dir="ltr").

import { request } from "./api.js";
import { slug } from "./names.js";
import { el } from "./ui.js";

const RTL = new Set(["ar", "ur", "fa", "he", "ps", "sd", "ug", "yi", "dv"]);
/** a word that reads left to right inside right-to-left text: Latin letters or ASCII digits */
const LTR_WORD = /[A-Za-z0-9\u00c0-\u024f]/;

export function isRtl(language) {
  return RTL.has(String(language || "").split("-")[0].toLowerCase());
}

/** The index of the word spoken at `t` seconds: the last one started, while it lasts; else -1 (pure). */
export function wordAt(words, t) {
  let lo = 0;
  let hi = words.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (words[mid].start <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && t < words[found].end ? found : -1;
}

function base64Blob(data, type) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type });
}

/** POST /v1/speech/captioned with `body` (the /v1/speech fields); {answer, blob} or an ApiError. */
export async function fetchCaptioned(body, type) {
  const answer = await (await request("v1/speech/captioned", { method: "POST", json: body })).json();
  return { answer, blob: base64Blob(answer.audio, type) };
}

/** "-16.0 LUFS integrated · true peak -1.2 dBTP" from the answer's loudness (empty for silence). */
export function loudnessText(loudness) {
  if (!loudness || loudness.integrated_lufs === null || loudness.integrated_lufs === undefined) return "";
  const peak = loudness.true_peak_dbtp;
  const parts = [`${Number(loudness.integrated_lufs).toFixed(1)} LUFS integrated`];
  if (peak !== null && peak !== undefined) parts.push(`true peak ${Number(peak).toFixed(1)} dBTP`);
  return parts.join(" · ");
}

/** The caption files' names: <slug>_<avatar>.srt / .vtt, as the audio's download name. */
export function captionFileName(text, avatar, format) {
  return `${slug(text)}_${avatar}.${format}`;
}

/**
 * The captions block of a clip: `words` ([{text, start, end}]) as spans under `audio`, highlighted as it
 * plays. The block is labelled; the highlight is not announced (aria-live off: it changes many times a
 * second). Returns {node, stop()}.
 */
export function captionBlock(words, audio, { language, id }) {
  const rtl = isRtl(language);
  const spans = words.map((w, i) =>
    el(
      "span",
      {
        class: "word",
        "data-i": String(i),
        "data-start": String(w.start),
        "data-end": String(w.end),
        dir: rtl && LTR_WORD.test(w.text) ? "ltr" : null,
      },
      w.text,
    ),
  );
  const text = el("p", { class: "caption-text", "data-testid": "caption-text", lang: language || null, dir: rtl ? "rtl" : "auto" });
  spans.forEach((span, i) => text.append(...(i ? [" ", span] : [span])));
  const title = el("h4", { id: `${id}-title`, class: "caption-title" }, "Captions");
  const node = el(
    "section",
    { class: "captions", id, "aria-labelledby": `${id}-title`, "aria-live": "off", "data-testid": "captions", "data-current": "-1" },
    title,
    text,
  );
  let current = -1;
  let frame = 0;
  const mark = () => {
    const i = wordAt(words, audio.currentTime);
    if (i === current) return;
    if (current >= 0) spans[current].classList.remove("now");
    if (i >= 0) spans[i].classList.add("now");
    current = i;
    node.dataset.current = String(i);
    if (i >= 0) node.dataset.reached = String(Math.max(i, Number(node.dataset.reached || -1)));
  };
  const loop = () => {
    mark();
    frame = audio.paused || audio.ended ? 0 : requestAnimationFrame(loop);
  };
  const onPlay = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(loop);
  };
  audio.addEventListener("play", onPlay);
  audio.addEventListener("timeupdate", mark);
  audio.addEventListener("seeked", mark);
  if (!audio.paused) onPlay();
  return {
    node,
    stop() {
      cancelAnimationFrame(frame);
      audio.removeEventListener("play", onPlay);
      audio.removeEventListener("timeupdate", mark);
      audio.removeEventListener("seeked", mark);
    },
  };
}

/** Download links of the SRT and WebVTT captions (Blobs of the answer's texts). */
export function captionDownloads(answer, fileText, avatar) {
  const links = [];
  for (const [format, type] of [
    ["srt", "application/x-subrip"],
    ["vtt", "text/vtt"],
  ]) {
    if (!answer[format]) continue;
    const url = URL.createObjectURL(new Blob([answer[format]], { type: `${type};charset=utf-8` }));
    const name = captionFileName(fileText, avatar, format);
    links.push(
      el("a", { href: url, download: name, class: "button", "data-testid": `download-${format}` }, `Download ${format.toUpperCase()}`),
    );
  }
  return links;
}
