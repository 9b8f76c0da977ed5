// Speak: a text, a voice (language -> dialect -> gender, model pin), speed and format; streams the
// answer and plays it while later sentences are still being synthesized.

import { canStream, clipCard, speak } from "../player.js";
import { remember } from "../history.js";
import { voicePicker } from "../voices.js";
import { announce, el, select } from "../ui.js";

export const FORMATS = ["mp3", "wav", "flac", "opus"];

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
      picker.element,
      el(
        "fieldset",
        { class: "options" },
        el("legend", {}, "Options"),
        speed.element,
        el("div", { class: "field" }, formatLabel, format),
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
      };
      announce(canStream(params.format) && !params.store ? "Speaking (streaming)…" : "Synthesizing…");
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
        }
      } finally {
        button.disabled = false;
      }
    });

    root.append(form, el("h3", { class: "sr-only" }, "Result"), result);
    updateCount();
  },
};
