// Speak: a text, a voice (language -> dialect -> gender, model pin), speed and format; streams the
// answer and plays it while later sentences are still being synthesized.

import { canStream, clipCard, speak } from "../player.js";
import { remember } from "../history.js";
import { voicePicker } from "../voices.js";
import { announce, el, select } from "../ui.js";

export const FORMATS = ["mp3", "wav", "flac", "opus"];

/** What the SSML toggle offers to start from (the subset the API reads: see GET /docs). */
export const SSML_EXAMPLE = `<speak>
  <p>Welcome to <sub alias="the Harbour">Harbor</sub> Hotel.</p>
  <break time="400ms"/>
  <p>Breakfast is served from <say-as interpret-as="time">7:00</say-as>
    <prosody rate="slow">on the terrace</prosody>.</p>
</speak>`;

/** Where "SSML line L, column C" of an API message points in `text` (an offset), or null (pure). */
export function ssmlPosition(text, message) {
  const m = /SSML line (\d+), column (\d+)/.exec(message || "");
  if (!m) return null;
  const lines = text.split("\n");
  const line = Number(m[1]);
  if (line < 1 || line > lines.length) return null;
  const before = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  return before + Math.min(Math.max(Number(m[2]) - 1, 0), lines[line - 1].length);
}

/** The text type toggle (plain text or SSML) with its example; returns {value(), element}. */
function textTypeControl(text) {
  const plain = el("input", { type: "radio", id: "speak-type-text", name: "speak-type", value: "text", checked: true });
  const ssml = el("input", { type: "radio", id: "speak-type-ssml", name: "speak-type", value: "ssml" });
  const example = el("button", { type: "button", class: "quiet", id: "speak-ssml-example", hidden: true }, "Insert the SSML example");
  const hint = el(
    "p",
    { class: "hint muted", id: "speak-ssml-hint", hidden: true },
    "SSML: speak, p, s, break, say-as, sub, phoneme, prosody rate and lang. A mistake is answered with its line and column.",
  );
  const sync = () => {
    example.hidden = !ssml.checked;
    hint.hidden = !ssml.checked;
    text.spellcheck = !ssml.checked;
    text.classList.toggle("code", ssml.checked);
  };
  plain.addEventListener("change", sync);
  ssml.addEventListener("change", sync);
  example.addEventListener("click", () => {
    text.value = SSML_EXAMPLE;
    text.dispatchEvent(new Event("input"));
    text.focus();
  });
  const element = el(
    "fieldset",
    { class: "text-type wide", id: "speak-type" },
    el("legend", {}, "Text type"),
    el("div", { class: "check" }, plain, el("label", { for: "speak-type-text" }, "Plain text")),
    el("div", { class: "check" }, ssml, el("label", { for: "speak-type-ssml" }, "SSML")),
    example,
    hint,
  );
  return { element, value: () => (ssml.checked ? "ssml" : "text") };
}

export function speedControl(id) {
  const value = el("output", { for: id, id: `${id}-value` }, "1.00×");
  const input = el("input", { id, name: id, type: "range", min: "0.5", max: "2", step: "0.05", value: "1" });
  input.addEventListener("input", () => {
    value.textContent = `${Number(input.value).toFixed(2)}×`;
  });
  return { input, element: el("div", { class: "field" }, el("label", { for: id }, "Speed"), input, value) };
}

export const panel = {
  id: "speak",
  title: "Speak",
  mount(root, ctx) {
    const text = el("textarea", {
      id: "speak-text",
      name: "speak-text",
      rows: "6",
      "aria-describedby": "speak-count",
      placeholder: "Welcome to our hotel. Breakfast is served from seven on the terrace.",
    });
    const count = el("p", { id: "speak-count", class: "count" });
    let limit = null;
    const updateCount = () => {
      const n = text.value.length;
      count.textContent = limit ? `${n} / ${limit} characters` : `${n} characters`;
      const over = limit !== null && n > limit;
      count.classList.toggle("over", over);
      if (over) count.textContent += " (over the model's limit)";
    };
    text.addEventListener("input", updateCount);

    const picker = voicePicker("speak", ctx.catalog, (voice) => {
      limit = ctx.catalog.limitFor(voice);
      updateCount();
    });
    const speed = speedControl("speak-speed");
    const [formatLabel, format] = select(
      "speak-format",
      "Format",
      FORMATS.map((f) => ({ value: f, label: f === "mp3" ? "mp3 (streams)" : f })),
      "mp3",
    );
    const textType = textTypeControl(text);
    const captions = el("input", { id: "speak-captions", name: "speak-captions", type: "checkbox", "aria-describedby": "speak-captions-hint" });
    const captionsHint = el("span", { class: "muted", id: "speak-captions-hint" }, " words timed under the player, SRT and WebVTT downloads (no streaming)");
    const mayStore = ctx.me.scopes.includes("store");
    const store = el("input", { id: "speak-store", name: "speak-store", type: "checkbox", disabled: !mayStore });
    const storeHint = el(
      "span",
      { class: "muted", id: "speak-store-hint" },
      mayStore ? " writes the audio to the server's output directory" : " needs the 'store' scope (this key lacks it)",
    );
    store.setAttribute("aria-describedby", "speak-store-hint");
    const button = el("button", { type: "submit", id: "speak-button", class: "primary" }, "Speak");
    const result = el("div", { class: "result", id: "speak-result" });

    const form = el(
      "form",
      { class: "speak-form", id: "speak-form" },
      el("div", { class: "field wide" }, el("label", { for: "speak-text" }, "Text"), text, count),
      textType.element,
      picker.element,
      el(
        "fieldset",
        { class: "options" },
        el("legend", {}, "Options"),
        speed.element,
        el("div", { class: "field" }, formatLabel, format),
        el("div", { class: "field check" }, captions, el("label", { for: "speak-captions" }, "Captions"), captionsHint),
        el("div", { class: "field check" }, store, el("label", { for: "speak-store" }, "Store on the server"), storeHint),
      ),
      el("p", { class: "actions" }, button),
    );

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const voice = picker.voice();
      if (!voice) {
        announce("Choose a voice first");
        return;
      }
      const card = clipCard(voice.avatar);
      result.replaceChildren(card.node);
      button.disabled = true;
      text.removeAttribute("aria-invalid");
      const params = {
        text: text.value,
        avatar: voice.avatar,
        model: picker.model(),
        speed: Number(speed.input.value),
        format: format.value,
        store: store.checked,
        textType: textType.value(),
        captions: captions.checked,
      };
      announce(canStream(params.format) && !params.store && !params.captions ? "Speaking (streaming)…" : "Synthesizing…");
      try {
        const clip = await speak(params, card);
        clip.duration = Number.isFinite(card.audio.duration) ? card.audio.duration : null;
        card.audio.addEventListener("durationchange", () => {
          clip.duration = card.audio.duration;
        });
        remember(clip);
      } catch (err) {
        card.fail(err);
        if (err.fields && err.fields.includes("text")) {
          text.setAttribute("aria-invalid", "true");
          const at = ssmlPosition(text.value, err.message);
          if (at !== null) text.setSelectionRange(at, Math.min(at + 1, text.value.length));
        }
      } finally {
        button.disabled = false;
      }
    });

    root.append(form, el("h3", { class: "sr-only" }, "Result"), result);
    updateCount();
  },
};
