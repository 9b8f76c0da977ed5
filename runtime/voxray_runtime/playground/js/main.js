// The Playground's entry point: asks for an API key when the server wants one, loads the caller, the
// voices and the models, and mounts the panels as tabs. A panel is one module exporting
// `panel = {id, title, mount(root, ctx)}` (mount may return {show()}, called when its tab opens):
// adding one is one import and one line in PANELS.

import { ApiError, apiKey, getJson, setApiKey } from "./api.js";
import { VoiceCatalog } from "./voices.js";
import { announce, el } from "./ui.js";
import { panel as speak } from "./panels/speak.js";
import { panel as compare } from "./panels/compare.js";
import { panel as batches } from "./panels/batches.js";
import { panel as write } from "./panels/write.js";
import { panel as clips } from "./history.js";

const PANELS = [speak, compare, clips, batches, write];

const $ = (id) => document.getElementById(id);

function showAuth(message) {
  $("app").hidden = true;
  $("auth").hidden = false;
  const error = $("auth-error");
  error.hidden = !message;
  error.textContent = message || "";
  $("api-key").focus();
}

function mountTabs(ctx) {
  const tabs = $("tabs");
  const panels = $("panels");
  const buttons = [];
  const hooks = new Map();
  // "Speak this" (Write): the text goes into the Speak panel, which opens with its text area focused
  ctx.speakText = (text) => {
    const box = $("speak-text");
    box.value = text;
    box.dispatchEvent(new Event("input"));
    select("speak", false);
    box.focus();
    announce("The post is in the Speak panel");
  };
  for (const p of PANELS) {
    const tab = el(
      "button",
      { type: "button", role: "tab", id: `tab-${p.id}`, "aria-controls": `panel-${p.id}`, "aria-selected": "false", tabindex: "-1" },
      p.title,
    );
    const section = el("section", { role: "tabpanel", id: `panel-${p.id}`, "aria-labelledby": `tab-${p.id}`, hidden: true, class: "panel" });
    section.append(el("h2", {}, p.title));
    hooks.set(p.id, p.mount(section, ctx) || {});
    tab.addEventListener("click", () => select(p.id, true));
    buttons.push(tab);
    tabs.append(tab);
    panels.append(section);
  }
  function select(id, focus) {
    for (const p of PANELS) {
      const on = p.id === id;
      const tab = $(`tab-${p.id}`);
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      $(`panel-${p.id}`).hidden = !on;
      if (on && focus) tab.focus();
    }
    if (location.hash !== `#${id}`) history.replaceState(null, "", `#${id}`);
    const hook = hooks.get(id);
    if (hook && hook.show) hook.show();
  }
  tabs.addEventListener("keydown", (event) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = (moves[event.key] + buttons.length) % buttons.length;
    select(PANELS[next].id, true);
  });
  const wanted = location.hash.slice(1);
  select(PANELS.some((p) => p.id === wanted) ? wanted : PANELS[0].id, false);
}

async function boot() {
  let me;
  try {
    me = await getJson("v1/me");
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      showAuth(apiKey() ? err.message : "");
      return;
    }
    $("boot-error").hidden = false;
    $("boot-error").textContent = `The Playground could not start: ${err.message}`;
    return;
  }
  const [voices, models] = await Promise.all([getJson("v1/voices"), getJson("v1/models")]);
  $("auth").hidden = true;
  $("app").hidden = false;
  const who = $("who");
  who.hidden = false;
  who.textContent = me.auth_required
    ? `Signed in as ${me.id}${me.models ? ` (models: ${me.models.join(", ")})` : ""}`
    : "Authentication is off (loopback)";
  $("forget-key").hidden = !apiKey();
  const speech = models.data.filter((m) => m.kind !== "text");
  const textModels = models.data.filter((m) => m.kind === "text");
  mountTabs({ me, catalog: new VoiceCatalog(voices.voices, speech), textModels });
  announce(`Playground ready: ${voices.count} voices`);
}

$("auth-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setApiKey($("api-key").value.trim());
  $("api-key").value = "";
  boot();
});

$("forget-key").addEventListener("click", () => {
  setApiKey("");
  location.reload();
});

boot();
