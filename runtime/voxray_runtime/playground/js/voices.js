// The voices the server lists (GET /v1/voices) and the pickers built from them: language -> dialect ->
// gender, and a model pin. Nothing here is hard-coded: names come from the listing and Intl.DisplayNames.

import { el, select, setOptions, fallbackBadge, trueBadge } from "./ui.js";

const names = typeof Intl.DisplayNames === "function" ? new Intl.DisplayNames(["en"], { type: "language" }) : null;

export function languageName(code) {
  try {
    return (names && names.of(code)) || code;
  } catch {
    return code;
  }
}

export function localeOf(voice) {
  return voice.dialect || voice.language;
}

/** The voice as a given pinned model serves it (the listing's choice, or one of its alternatives). */
export function asServedBy(voice, model) {
  if (!model || voice.model === model) return voice;
  const alt = (voice.alternatives || []).find((a) => a.model === model);
  return alt ? { ...alt, alternatives: [], openai_aliases: voice.openai_aliases } : null;
}

export class VoiceCatalog {
  constructor(voices, models) {
    this.voices = voices;
    this.models = models;
  }

  served(model) {
    return this.voices.map((v) => asServedBy(v, model)).filter(Boolean);
  }

  /** The 18 built-in avatars (as `model` serves them), apart from the brand voices. */
  builtIn(model) {
    return this.served(model).filter((v) => !v.custom);
  }

  /** Brand voices: custom avatars of a VoiceModel's spec.avatars (listed with custom: true). */
  brand(model) {
    return this.served(model).filter((v) => v.custom);
  }

  byAvatar(avatar, model) {
    return this.served(model).find((v) => v.avatar === avatar) || null;
  }

  limitFor(voice) {
    const m = this.models.find((x) => x.id === (voice && voice.model));
    return m && m.max_text_chars ? m.max_text_chars : null;
  }
}

/** A voice line: avatar, engine and speaker, and a true-voice or fallback badge with its reason. */
export function describeVoice(voice) {
  if (!voice) return el("span", {}, "no voice");
  const reason = voice.fallback_reason || voice.fallbackReason || "";
  return el(
    "span",
    { class: "voice-line" },
    el("strong", {}, voice.avatar),
    ` · ${voice.engine} · speaker ${voice.speaker} · model ${voice.model} `,
    voice.fallback ? fallbackBadge(reason) : trueBadge(),
    voice.fallback && reason ? el("span", { class: "reason" }, ` ${reason}`) : null,
  );
}

/**
 * Language -> dialect -> gender pickers and a model pin, in `container`; calls onChange(voice) with
 * the voice the choice resolves to. Returns {voice(), model(), element}.
 */
export function voicePicker(prefix, catalog, onChange, initial = "female_en-GB") {
  const [modelLabel, modelBox] = select(`${prefix}-model`, "Model", [
    { value: "", label: "auto (best voice for the avatar)" },
    ...catalog.models.map((m) => ({ value: m.id, label: `${m.id} (${m.engine})` })),
  ]);
  const [langLabel, langBox] = select(`${prefix}-language`, "Language", []);
  const [dialLabel, dialBox] = select(`${prefix}-dialect`, "Dialect", []);
  const [genLabel, genBox] = select(`${prefix}-gender`, "Gender", []);
  const preview = el("p", { class: "voice-preview", id: `${prefix}-voice`, "aria-live": "polite" });
  const brandBox = el("select", { id: `${prefix}-brand`, name: `${prefix}-brand` });
  const brandField = el(
    "div",
    { class: "field brand", hidden: catalog.brand("").length === 0 },
    el("label", { for: `${prefix}-brand` }, "Brand voice"),
    brandBox,
  );

  const start = catalog.byAvatar(initial, "") || catalog.voices[0];
  let state = start ? { language: start.language, dialect: start.dialect || "", gender: start.gender } : {};

  function refreshBrand() {
    const keep = brandBox.value;
    const brands = catalog.brand(modelBox.value);
    brandBox.replaceChildren(
      el("option", { value: "" }, "none: the built-in avatar chosen above"),
      brands.length
        ? el("optgroup", { label: "Brand voices" }, ...brands.map((v) => el("option", { value: v.avatar }, `${v.avatar} (${localeOf(v)}, ${v.gender})`)))
        : null,
    );
    brandBox.value = brands.some((v) => v.avatar === keep) ? keep : "";
    for (const box of [langBox, dialBox, genBox]) {
      if (brandBox.value) box.disabled = true;
    }
  }

  function refresh() {
    const served = catalog.builtIn(modelBox.value);
    const languages = [...new Set(served.map((v) => v.language))];
    setOptions(langBox, languages.map((l) => ({ value: l, label: `${languageName(l)} (${l})` })), state.language);
    const inLang = served.filter((v) => v.language === langBox.value);
    const dialects = [...new Set(inLang.map((v) => v.dialect || ""))];
    setOptions(
      dialBox,
      dialects.map((d) => ({ value: d, label: d ? `${languageName(d)} (${d})` : "none" })),
      state.dialect,
    );
    const inDialect = inLang.filter((v) => (v.dialect || "") === dialBox.value);
    setOptions(genBox, inDialect.map((v) => ({ value: v.gender, label: v.gender })), state.gender);
    state = { language: langBox.value, dialect: dialBox.value, gender: genBox.value };
    refreshBrand();
    const voice = current();
    preview.replaceChildren(el("span", { class: "label" }, "Voice: "), describeVoice(voice));
    onChange(voice);
  }

  function current() {
    if (brandBox.value) return catalog.brand(modelBox.value).find((v) => v.avatar === brandBox.value) || null;
    return (
      catalog
        .builtIn(modelBox.value)
        .find((v) => v.language === langBox.value && (v.dialect || "") === dialBox.value && v.gender === genBox.value) ||
      null
    );
  }

  for (const [box, key] of [
    [langBox, "language"],
    [dialBox, "dialect"],
    [genBox, "gender"],
    [modelBox, null],
    [brandBox, null],
  ]) {
    box.addEventListener("change", () => {
      if (key) state[key] = box.value;
      refresh();
    });
  }

  const element = el(
    "fieldset",
    { class: "voice-picker" },
    el("legend", {}, "Voice"),
    el("div", { class: "field" }, langLabel, langBox),
    el("div", { class: "field" }, dialLabel, dialBox),
    el("div", { class: "field" }, genLabel, genBox),
    brandField,
    el("div", { class: "field" }, modelLabel, modelBox),
    preview,
  );
  queueMicrotask(refresh);
  return { element, voice: current, model: () => modelBox.value, refresh };
}
