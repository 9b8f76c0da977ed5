// The session's clips, in memory only (nothing about the texts is written to browser storage): each
// with its player, the voice that spoke and its download. Speak and Compare add to it.

import { describeVoice } from "./voices.js";
import { announce, el, seconds } from "./ui.js";

const clips = [];
let list = null;
let empty = null;

export function remember(clip) {
  clips.unshift(clip);
  render();
}

function render() {
  if (!list) return;
  empty.hidden = clips.length > 0;
  list.replaceChildren(
    ...clips.map((clip, i) =>
      el(
        "li",
        { class: "history-item", "data-testid": "history-item" },
        el("p", {}, describeVoice(clip.voice)),
        clip.url
          ? el("audio", { controls: true, preload: "none", src: clip.url, "aria-label": `Clip ${clips.length - i}: ${clip.voice.avatar}` })
          : null,
        el(
          "p",
          { class: "facts" },
          clip.stored ? `stored at ${clip.stored.relative_path} · ` : "",
          clip.duration ? `duration ${seconds(clip.duration)} · ` : "",
          clip.url ? el("a", { href: clip.url, download: clip.fileName }, `Download ${clip.fileName}`) : clip.fileName,
        ),
      ),
    ),
  );
}

export const panel = {
  id: "history",
  title: "History",
  mount(root) {
    list = el("ol", { class: "history", reversed: true });
    empty = el("p", { class: "muted" }, "No clips yet: speak something.");
    const clear = el(
      "button",
      {
        type: "button",
        class: "quiet",
        onclick: () => {
          for (const c of clips) if (c.url) URL.revokeObjectURL(c.url);
          clips.length = 0;
          render();
          announce("History cleared");
        },
      },
      "Clear history",
    );
    root.append(
      el("p", { class: "muted" }, "The clips of this tab, newest first. They live in memory only and are gone when the tab closes."),
      clear,
      empty,
      list,
    );
    render();
  },
};
