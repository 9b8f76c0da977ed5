// Speech clips: one POST /v1/speech each, played while it streams (MediaSource with audio/mpeg: the
// API sends MP3 sentence by sentence, so playback starts before later sentences are synthesized), with
// the voice that spoke, its fallback badge, the time to first sound, and a download link.

import { request, voiceFromHeaders } from "./api.js";
import { captionBlock, captionDownloads, fetchCaptioned, loudnessText } from "./captions.js";
import { clipFileName } from "./names.js";
import { describeVoice, localeOf } from "./voices.js";
import { announce, el, seconds } from "./ui.js";

const STREAM_TYPE = "audio/mpeg";
const TYPES = { mp3: "audio/mpeg", wav: "audio/wav", flac: "audio/flac", opus: "audio/ogg" };

export function canStream(format) {
  return format === "mp3" && typeof MediaSource === "function" && MediaSource.isTypeSupported(STREAM_TYPE);
}

function once(target, event) {
  return new Promise((resolve) => target.addEventListener(event, resolve, { once: true }));
}

async function appendChunk(buffer, chunk) {
  if (buffer.updating) await once(buffer, "updateend");
  buffer.appendBuffer(chunk);
  await once(buffer, "updateend");
}

let captionIds = 0;

/** A captioned clip: POST /v1/speech/captioned, then the audio plays with its words under the player. */
async function speakCaptioned(params, body, card) {
  const audio = card.audio;
  const started = performance.now();
  audio.addEventListener("playing", () => card.firstSound(performance.now() - started), { once: true });
  const { answer, blob } = await fetchCaptioned(body, TYPES[params.format] || "application/octet-stream");
  const voice = { ...answer.voice, fallbackReason: answer.voice.fallback_reason || "" };
  card.voice(voice);
  const avatar = voice.avatar || params.avatar;
  const clip = { voice, blob, fileName: clipFileName(params.text, avatar, params.format), captions: answer };
  audio.src = URL.createObjectURL(blob);
  captionIds += 1;
  const block = captionBlock(answer.words, audio, { language: voice.dialect || voice.language, id: `captions-${captionIds}` });
  card.captions(block.node, loudnessText(answer.loudness), captionDownloads(answer, params.text, avatar));
  if (params.autoplay !== false) audio.play().catch(() => card.say("Press play to listen."));
  clip.url = URL.createObjectURL(blob);
  card.done(clip);
  return clip;
}

/**
 * Speak `params` ({text, avatar, model, speed, format, store, textType, captions}); `card` (from
 * clipCard) shows it. Resolves with the clip {voice, blob, url, fileName, ttfsMs, stored, captions} or
 * rejects with an ApiError.
 */
export async function speak(params, card) {
  const started = performance.now();
  const audio = card.audio;
  const body = {
    text: params.text,
    avatar: params.avatar,
    format: params.format,
    speed: params.speed,
  };
  if (params.model) body.model = params.model;
  if (params.textType === "ssml") body.text_type = "ssml";
  if (params.captions && !params.store) return speakCaptioned(params, body, card);
  if (params.captions) body.captions = ["srt", "vtt"];
  const streaming = !params.store && canStream(params.format);
  if (params.store) body.store = true;
  if (streaming) body.stream = true;

  let source = null;
  if (streaming) {
    // the source and play() are set up now, inside the click's user activation: playback starts by
    // itself as soon as the first chunk is buffered
    source = new MediaSource();
    audio.src = URL.createObjectURL(source);
    if (params.autoplay !== false) audio.play().catch(() => card.say("Press play to listen (the browser blocked autoplay)."));
  }
  audio.addEventListener(
    "playing",
    () => {
      card.firstSound(performance.now() - started);
    },
    { once: true },
  );

  let response;
  try {
    response = await request("v1/speech", { method: "POST", json: body });
  } catch (err) {
    if (source) URL.revokeObjectURL(audio.src);
    audio.removeAttribute("src");
    throw err;
  }
  const voice = voiceFromHeaders(response.headers);
  card.voice(voice);
  const clip = { voice, fileName: clipFileName(params.text, voice.avatar || params.avatar, params.format) };

  if (params.store) {
    clip.stored = await response.json();
    card.stored(clip.stored);
    return clip;
  }
  if (streaming) {
    if (source.readyState !== "open") await once(source, "sourceopen");
    const buffer = source.addSourceBuffer(STREAM_TYPE);
    const reader = response.body.getReader();
    const chunks = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      await appendChunk(buffer, value);
    }
    if (buffer.updating) await once(buffer, "updateend");
    if (source.readyState === "open") source.endOfStream();
    clip.blob = new Blob(chunks, { type: STREAM_TYPE });
  } else {
    clip.blob = new Blob([await response.arrayBuffer()], { type: TYPES[params.format] || "application/octet-stream" });
    audio.src = URL.createObjectURL(clip.blob);
    if (params.autoplay !== false) audio.play().catch(() => card.say("Press play to listen."));
  }
  clip.url = URL.createObjectURL(clip.blob);
  card.done(clip);
  return clip;
}

/** A clip's card: its player, the voice used, badges, timings and download; returns its controls. */
export function clipCard(title) {
  const audio = el("audio", { controls: true, preload: "auto", "data-testid": "clip-audio" });
  const voiceLine = el("p", { class: "voice-used" }, "Synthesizing…");
  const facts = el("p", { class: "facts" });
  const captions = el("div", { class: "clip-captions" });
  const message = el("p", { class: "error", role: "alert", hidden: true });
  const actions = el("p", { class: "actions" });
  const node = el(
    "article",
    { class: "clip", "data-testid": "clip", "aria-busy": "true" },
    el("h3", {}, title),
    voiceLine,
    audio,
    captions,
    facts,
    actions,
    message,
  );
  let ttfs = null;
  let failed = false;
  let extra = [];
  const card = {
    node,
    audio,
    say(text) {
      if (!failed) facts.textContent = text;
    },
    firstSound(ms) {
      if (ttfs !== null) return;
      ttfs = ms;
      node.dataset.ttfsMs = String(Math.round(ms));
      announce(`Playing; first sound after ${(ms / 1000).toFixed(2)} s`);
    },
    voice(voice) {
      voiceLine.replaceChildren(el("span", { class: "label" }, "Spoken by: "), describeVoice(voice));
      node.dataset.avatar = voice.avatar;
      node.dataset.fallback = String(voice.fallback);
    },
    captions(block, loudness, links) {
      captions.replaceChildren(block, loudness ? el("p", { class: "facts loudness", "data-testid": "loudness" }, `Loudness: ${loudness}`) : "");
      extra = links;
    },
    stored(info) {
      node.removeAttribute("aria-busy");
      const written = Object.values(info.captions || {});
      facts.replaceChildren(
        "Stored at ",
        el("code", { "data-testid": "stored-path" }, info.relative_path),
        ` (${info.bytes} bytes, ${seconds(info.duration_s)}, sha256 ${info.sha256.slice(0, 12)}…)`,
        ...(written.length ? ["; captions ", ...written.map((p, i) => [i ? ", " : "", el("code", {}, p)])] : []),
        info.loudness ? `; ${loudnessText(info.loudness)}` : "",
      );
      announce(`Stored at ${info.relative_path}`);
    },
    done(clip) {
      node.removeAttribute("aria-busy");
      const parts = [];
      if (ttfs !== null) parts.push(`first sound after ${(ttfs / 1000).toFixed(2)} s`);
      const update = () => {
        const d = Number.isFinite(audio.duration) ? seconds(audio.duration) : "";
        facts.textContent = [d && `duration ${d}`, ...parts].filter(Boolean).join(" · ");
      };
      audio.addEventListener("durationchange", update);
      update();
      actions.replaceChildren(
        el("a", { href: clip.url, download: clip.fileName, class: "button", "data-testid": "download" }, `Download ${clip.fileName}`),
        ...extra,
      );
      if (ttfs === null) announce(`Ready: ${clip.fileName}`);
    },
    fail(err) {
      failed = true;
      facts.textContent = "";
      node.removeAttribute("aria-busy");
      voiceLine.textContent = "Not spoken.";
      message.hidden = false;
      message.textContent = err.message;
      audio.hidden = true;
      announce(err.message);
    },
  };
  return card;
}

/** The avatar's locale as a short label ("female_en-GB" -> "en-GB, female"). */
export function avatarLabel(voice) {
  return `${localeOf(voice)}, ${voice.gender}`;
}
