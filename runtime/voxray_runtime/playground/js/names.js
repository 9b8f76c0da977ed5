// File names the way a SpeechBatch names them: <slug>_<gender>_<locale>.<ext>, e.g. welcome-to-our-hotel_female_en-GB.mp3

const EXTENSIONS = { mp3: "mp3", wav: "wav", flac: "flac", opus: "opus", pcm: "pcm" };

/** A short ASCII slug of a text: its first words, lower case, joined by "-" ("speech" when none). */
export function slug(text, maxWords = 6, maxChars = 48) {
  const words = (text || "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .match(/[a-z0-9]+/g);
  if (!words) return "speech";
  let out = words.slice(0, maxWords).join("-");
  if (out.length > maxChars) out = out.slice(0, maxChars).replace(/-[^-]*$/, "") || out.slice(0, maxChars);
  return out;
}

/** The download name of a clip: <slug>_<avatar>.<ext> (an avatar is <gender>_<locale>). */
export function clipFileName(text, avatar, format) {
  return `${slug(text)}_${avatar}.${EXTENSIONS[format] || format}`;
}
