// Write: one hotel post from a brief, written by a TextModel and streamed as it is written
// (POST /v1/chat/completions, server-sent events read through fetch + ReadableStream), with the time to
// the first token and the decode rate; "Speak this" hands the post to the Speak panel.

import { ApiError, request } from "../api.js";
import { announce, el, setOptions } from "../ui.js";

const TEMPERATURE = 0.7; // spec.generate's default
const MAX_TOKENS = 160; // spec.generate's default
//: inputs by the request field a problem names (problem.errors[].field, last segment)
const FIELDS = { messages: "write-brief", model: "write-model", max_tokens: "write-max-tokens", temperature: "write-temperature", seed: "write-seed" };

/** The one user message voxray's content pipeline sends for post 1 in English: the same wording as
 * post_messages() in voxray_runtime/generation/prompts.py (PROMPT_VERSION 2; a browser test compares
 * the two). */
export function postMessages(brief, maxTokens) {
  const words = Math.max(12, Math.trunc((maxTokens / 2.0) * 0.8));
  const sentences = words < 60 ? "two or three" : "three to five";
  const system =
    "Write a short hotel post in neutral international English (no regional slang or spellings), " +
    "to be read aloud: plain sentences, no title, list, hashtags or emoji.";
  const user =
    `Hotel: ${brief.trim()}\n` +
    "Post number 1 in English, about a warm welcome to arriving guests. Tone: warm, welcoming and " +
    `professional. Length: ${sentences} short sentences, at most ${words} words.\n\nPost:`;
  return [{ role: "user", content: `${system}\n\n${user}` }];
}

/** Complete server-sent events in `buffer` (their joined data lines) and what is left over (pure). */
export function sseEvents(buffer) {
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop();
  const events = [];
  for (const block of blocks) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""));
    if (data.length) events.push(data.join("\n"));
  }
  return { events, rest };
}

/** Streams one chat completion; calls onText(piece) as text arrives; resolves with the stream's figures. */
async function streamChat(body, signal, onText) {
  const started = performance.now();
  const response = await request("v1/chat/completions", { method: "POST", json: body, signal, accept: "text/event-stream" });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const out = { started, first: null, last: null, pieces: 0, usage: null, finish: null };
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return out;
    const parsed = sseEvents(buffer + value);
    buffer = parsed.rest;
    for (const data of parsed.events) {
      if (data === "[DONE]") return out;
      const chunk = JSON.parse(data);
      if (chunk.error) {
        const e = chunk.error;
        throw new ApiError(chunk.status || 500, { title: "Generation failed", detail: e.message }, `Generation failed: ${e.message}`);
      }
      if (chunk.usage) out.usage = chunk.usage;
      for (const choice of chunk.choices || []) {
        const piece = choice.delta && choice.delta.content;
        if (piece) {
          const now = performance.now();
          if (out.first === null) out.first = now;
          out.last = now;
          out.pieces += 1;
          onText(piece);
        }
        if (choice.finish_reason) out.finish = choice.finish_reason;
      }
    }
  }
}

/** Time to first token and tokens/s (the server's own measure: tokens after the first over their time). */
export function figures(s) {
  const tokens = s.usage ? s.usage.completion_tokens : s.pieces;
  const ttft = s.first === null ? null : (s.first - s.started) / 1000;
  const decode = s.first === null ? 0 : (s.last - s.first) / 1000;
  const rate = tokens > 1 && decode > 0 ? (tokens - 1) / decode : null;
  return { tokens, ttft, rate };
}

function numberField(id, label, attrs, hint) {
  const input = el("input", { id, name: id, type: "number", inputmode: "decimal", ...attrs, "aria-describedby": hint ? `${id}-hint` : null });
  return { input, element: el("div", { class: "field" }, el("label", { for: id }, label), input, hint ? el("span", { id: `${id}-hint`, class: "muted hint" }, hint) : null) };
}

export const panel = {
  id: "write",
  title: "Write",
  mount(root, ctx) {
    const models = ctx.textModels;
    if (!models.length) {
      root.append(
        el(
          "p",
          { class: "notice", id: "write-none" },
          "This server serves no text model, so there is nothing to write with. A TextModel (voxray serve " +
            "serves the packaged one unless --no-text is given) makes this panel available.",
        ),
      );
      return {};
    }
    const brief = el("textarea", {
      id: "write-brief",
      name: "write-brief",
      rows: "4",
      "aria-describedby": "write-count",
      placeholder: "A small family hotel by the sea in Lisbon, with a rooftop terrace and fresh pastries at breakfast.",
    });
    const count = el("p", { id: "write-count", class: "count" });
    const modelBox = el("select", { id: "write-model", name: "write-model" });
    setOptions(
      modelBox,
      models.map((m) => ({ value: m.id, label: `${m.id} (${m.engine}, ${m.context_length}-token context)` })),
    );
    const model = () => models.find((m) => m.id === modelBox.value) || models[0];
    const maxTokens = numberField("write-max-tokens", "Max tokens", { min: "1", step: "1", inputmode: "numeric" });
    const temperature = numberField("write-temperature", "Temperature", { min: "0", max: "2", step: "0.1", value: String(TEMPERATURE) });
    const seed = numberField("write-seed", "Seed", { min: "0", step: "1", inputmode: "numeric", placeholder: "random" }, "the same brief, model and seed write the same post");
    const limits = () => {
      const m = model();
      maxTokens.input.max = String(m.max_tokens);
      if (!maxTokens.input.value || Number(maxTokens.input.value) > m.max_tokens) {
        maxTokens.input.value = String(Math.min(MAX_TOKENS, m.max_tokens));
      }
      updateCount();
    };
    // the brief's share of the model's prompt limit, where the listing gives one (max_prompt_chars)
    const updateCount = () => {
      const n = brief.value.length;
      const m = model();
      const wrapper = postMessages("", Number(maxTokens.input.value) || MAX_TOKENS)[0].content.length;
      const limit = m.max_prompt_chars ? m.max_prompt_chars - wrapper : null;
      count.textContent = limit ? `${n} / ${limit} characters` : `${n} characters`;
      const over = limit !== null && n > limit;
      count.classList.toggle("over", over);
      if (over) count.textContent += " (over the model's limit)";
    };
    brief.addEventListener("input", updateCount);
    modelBox.addEventListener("change", limits);

    const button = el("button", { type: "submit", id: "write-button", class: "primary" }, "Write");
    const stop = el("button", { type: "button", id: "write-stop", disabled: true }, "Stop");
    const speakThis = el("button", { type: "button", id: "write-speak", disabled: true }, "Speak this");
    const error = el("p", { id: "write-error", class: "error", role: "alert", hidden: true });
    const post = el("div", { id: "write-post", class: "post", "aria-labelledby": "write-post-title" });
    const facts = el("p", { id: "write-facts", class: "facts" });
    const form = el(
      "form",
      { class: "speak-form", id: "write-form", novalidate: true },
      el("div", { class: "field wide" }, el("label", { for: "write-brief" }, "Brief"), brief, count),
      el("div", { class: "field" }, el("label", { for: "write-model" }, "Text model"), modelBox),
      el("fieldset", { class: "options" }, el("legend", {}, "Sampling"), maxTokens.element, temperature.element, seed.element),
      el("p", { class: "actions row" }, button, stop),
      error,
    );
    const result = el(
      "div",
      { class: "clip", id: "write-result" },
      el("h3", { id: "write-post-title" }, "Post"),
      post,
      facts,
      el("p", { class: "actions" }, speakThis),
    );

    let controller = null;
    const inputs = () => [brief, modelBox, maxTokens.input, temperature.input, seed.input];
    const fail = (message, fields) => {
      error.hidden = false;
      error.textContent = message;
      let first = null;
      for (const f of fields) {
        const box = document.getElementById(FIELDS[f.split(".").pop()]);
        if (box) {
          box.setAttribute("aria-invalid", "true");
          first = first || box;
        }
      }
      if (first) first.focus();
    };

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (controller) return;
      error.hidden = true;
      for (const box of inputs()) box.removeAttribute("aria-invalid");
      if (!brief.value.trim()) {
        fail("Brief: the brief is empty; describe the hotel and what the post should say.", ["messages"]);
        return;
      }
      const number = (box) => (box.value.trim() === "" ? undefined : Number(box.value));
      const n = number(maxTokens.input) || MAX_TOKENS;
      const body = {
        model: model().id,
        messages: postMessages(brief.value, n),
        max_tokens: number(maxTokens.input),
        temperature: number(temperature.input),
        seed: number(seed.input),
        stream: true,
        stream_options: { include_usage: true },
      };
      controller = new AbortController();
      button.disabled = true;
      stop.disabled = false;
      speakThis.disabled = true;
      post.textContent = "";
      facts.textContent = "Waiting for the first token…";
      result.setAttribute("aria-busy", "true");
      announce("Writing…");
      let stats = null;
      let stopped = false;
      try {
        stats = await streamChat(body, controller.signal, (piece) => {
          post.textContent += piece;
        });
      } catch (err) {
        if (err && err.name === "AbortError") stopped = true;
        else {
          facts.textContent = "";
          fail(err.message, err.fields || []);
          announce("Writing failed");
        }
      } finally {
        controller = null;
        button.disabled = false;
        stop.disabled = true;
        result.removeAttribute("aria-busy");
      }
      post.textContent = post.textContent.trim();
      speakThis.disabled = !post.textContent;
      if (stats) {
        const f = figures(stats);
        facts.dataset.tokensPerSecond = f.rate === null ? "" : f.rate.toFixed(2);
        facts.textContent = [
          f.ttft === null ? "no token" : `first token after ${f.ttft.toFixed(2)} s`,
          `${f.tokens} tokens`,
          f.rate === null ? null : `${f.rate.toFixed(1)} tokens/s`,
          stats.finish ? `finish: ${stats.finish}` : null,
          `model ${body.model}`,
        ]
          .filter(Boolean)
          .join(" · ");
        announce(`Post written: ${f.tokens} tokens`);
      } else if (stopped) {
        facts.textContent = "Stopped: the rest was not written.";
        announce("Writing stopped");
      }
    });
    stop.addEventListener("click", () => {
      if (controller) controller.abort();
      button.focus();
    });
    speakThis.addEventListener("click", () => ctx.speakText(post.textContent));

    root.append(form, result);
    limits();
  },
};
