// Compare: the same text in two or more avatars side by side, each with its own player.

import { clipCard, speak } from "../player.js";
import { remember } from "../history.js";
import { languageName, localeOf } from "../voices.js";
import { announce, el, fallbackBadge } from "../ui.js";
import { speedControl } from "./speak.js";

const DEFAULTS = ["female_en-US", "female_en-GB", "female_en-AU"];
const BRAND = "brand";

export const panel = {
  id: "compare",
  title: "Compare",
  mount(root, ctx) {
    const text = el("textarea", { id: "compare-text", name: "compare-text", rows: "3" });
    text.value = "Good evening, and welcome. Your room is ready on the third floor.";
    const speed = speedControl("compare-speed");
    const groups = new Map();
    // the built-in avatars by language, then the brand voices (custom avatars) apart
    for (const v of [...ctx.catalog.builtIn(""), ...ctx.catalog.brand("")]) {
      const key = v.custom ? BRAND : v.language;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(v);
    }
    const boxes = [];
    const choice = el(
      "fieldset",
      { class: "avatars" },
      el("legend", {}, "Avatars (two or more)"),
      ...[...groups].map(([lang, voices]) =>
        el(
          "div",
          { class: "avatar-group", role: "group", "aria-label": lang === BRAND ? "Brand voices" : languageName(lang), "data-group": lang },
          el("p", { class: "group-title" }, lang === BRAND ? "Brand voices" : `${languageName(lang)} (${lang})`),
          ...voices.map((v) => {
            const id = `compare-${v.avatar}`;
            const box = el("input", { type: "checkbox", id, value: v.avatar, checked: DEFAULTS.includes(v.avatar) });
            boxes.push(box);
            return el(
              "div",
              { class: "check" },
              box,
              el("label", { for: id }, v.custom ? `${v.avatar} (${localeOf(v)}, ${v.gender})` : `${localeOf(v)} ${v.gender}`),
              v.fallback ? fallbackBadge(v.fallback_reason) : null,
            );
          }),
        ),
      ),
    );
    const button = el("button", { type: "submit", class: "primary", id: "compare-button" }, "Compare");
    const message = el("p", { class: "error", role: "alert", hidden: true });
    const grid = el("div", { class: "compare-grid", id: "compare-grid" });
    const form = el(
      "form",
      { id: "compare-form" },
      el("div", { class: "field wide" }, el("label", { for: "compare-text" }, "Text"), text),
      choice,
      speed.element,
      el("p", { class: "actions" }, button),
      message,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
      message.hidden = chosen.length >= 2;
      if (chosen.length < 2) {
        message.textContent = "Choose at least two avatars to compare.";
        return;
      }
      button.disabled = true;
      const cards = chosen.map((avatar) => clipCard(avatar));
      grid.replaceChildren(...cards.map((c) => c.node));
      announce(`Comparing ${chosen.length} avatars…`);
      // one after the other: the first plays while the others are synthesized; each has its own player
      for (const [i, avatar] of chosen.entries()) {
        const params = { text: text.value, avatar, model: "", speed: Number(speed.input.value), format: "mp3", autoplay: i === 0 };
        try {
          const clip = await speak(params, cards[i]);
          remember(clip);
        } catch (err) {
          cards[i].fail(err);
        }
      }
      button.disabled = false;
      announce("Comparison ready");
    });
    root.append(form, grid);
  },
};
