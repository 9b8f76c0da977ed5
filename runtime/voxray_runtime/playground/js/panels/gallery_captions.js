// A batch file's captions in the gallery: its WebVTT as a <track> on the gallery's player (the cue being
// spoken highlighted, from the track's own cuechange), the caption text under the player, and SRT / VTT
// downloads. The files come from GET /v1/batches/file (with the API key), as Blob URLs.

import { request } from "../api.js";
import { isRtl } from "../captions.js";
import { el } from "../ui.js";

const TYPES = { srt: "application/x-subrip", vtt: "text/vtt" };
let urls = [];

function query(params) {
  return new URLSearchParams(params).toString();
}

async function captionBlob(run, name, format) {
  const response = await request(`v1/batches/file?${query({ run, name })}`);
  return new Blob([await response.text()], { type: `${TYPES[format]};charset=utf-8` });
}

/** A short "CC" mark for a grid cell whose file has captions (null when it has none). */
export function captionMark(entry) {
  const formats = Object.keys(entry.captions || {});
  if (!formats.length) return null;
  return el("abbr", { class: "cc", title: `captions: ${formats.join(", ")}`, "data-testid": "cc" }, "CC");
}

/**
 * Load `entry`'s captions onto `player` (removing an earlier file's track) and return the block to show
 * under it: the cues as text, highlighted as they play, and the download links. Empty when the file has
 * no captions.
 */
export async function galleryCaptions(player, run, entry) {
  for (const track of player.querySelectorAll("track")) track.remove();
  for (const url of urls) URL.revokeObjectURL(url);
  urls = [];
  const listed = entry.captions || {};
  if (!Object.keys(listed).length) return [];
  const blobs = {};
  for (const format of ["vtt", "srt"]) {
    if (listed[format]) blobs[format] = await captionBlob(run, listed[format], format);
  }
  const language = entry.dialect || entry.language || "";
  const text = el("p", { class: "caption-text", "data-testid": "gallery-caption-text", lang: language || null, dir: isRtl(language) ? "rtl" : "auto" });
  const block = el(
    "section",
    { class: "captions gallery-captions", "aria-labelledby": "batch-captions-title", "aria-live": "off", "data-testid": "gallery-captions" },
    el("h3", { class: "caption-title", id: "batch-captions-title" }, `Captions of ${entry.name}`),
    text,
  );
  if (blobs.vtt) {
    const src = URL.createObjectURL(blobs.vtt);
    urls.push(src);
    const track = el("track", { kind: "captions", label: "Captions", srclang: (language || "und").split("-")[0], src, default: true });
    player.append(track);
    track.track.mode = "hidden"; // cues load and fire cuechange; an audio element draws none itself
    const spans = new Map();
    track.addEventListener("load", () => {
      const cues = [...track.track.cues];
      text.replaceChildren(
        ...cues.flatMap((cue, i) => {
          const span = el("span", { class: "word", "data-i": String(i) }, cue.text.replace(/\n/g, " "));
          spans.set(cue, span);
          return i ? [" ", span] : [span];
        }),
      );
      block.dataset.cues = String(cues.length);
    });
    track.track.addEventListener("cuechange", () => {
      const active = new Set(track.track.activeCues || []);
      for (const [cue, span] of spans) span.classList.toggle("now", active.has(cue));
    });
  }
  const links = Object.entries(blobs).map(([format, blob]) => {
    const url = URL.createObjectURL(blob);
    urls.push(url);
    const name = listed[format].split("/").pop();
    return el("a", { href: url, download: name, class: "button", "data-testid": `batch-download-${format}` }, `${format.toUpperCase()}: ${name}`);
  });
  block.append(el("p", { class: "actions" }, ...links));
  return [block];
}
