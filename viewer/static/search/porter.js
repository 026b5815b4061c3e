// The Porter stemmer exactly as Whoosh implements it (whoosh/lang/porter.py), so a word
// typed in the browser stems as the server stemmed the records' English. Whoosh's step 1b
// tests a doubled consonant with re.match (anchored at the start), so "running" stays
// "runn" there; that is kept here, on purpose: the stems must be the server's.

const STEP2 = {
  ational: "ate", tional: "tion", enci: "ence", anci: "ance", izer: "ize", bli: "ble",
  alli: "al", entli: "ent", eli: "e", ousli: "ous", ization: "ize", ation: "ate",
  ator: "ate", alism: "al", iveness: "ive", fulness: "ful", ousness: "ous", aliti: "al",
  iviti: "ive", biliti: "ble", logi: "log",
};
const STEP3 = { icate: "ic", ative: "", alize: "al", iciti: "ic", ical: "ic", ful: "", ness: "" };

const CONS_SEQ = "[^aeiouy]+";
const VOWEL_SEQ = "[aeiou]+";
const MGR0 = new RegExp(`^(${CONS_SEQ})?${VOWEL_SEQ}${CONS_SEQ}`);
const MEQ1 = new RegExp(`^(${CONS_SEQ})?${VOWEL_SEQ}${CONS_SEQ}(${VOWEL_SEQ})?$`);
const MGR1 = new RegExp(`^(${CONS_SEQ})?${VOWEL_SEQ}${CONS_SEQ}${VOWEL_SEQ}${CONS_SEQ}`);
const S_V = new RegExp(`^(${CONS_SEQ})?[aeiouy]`);
const C_V = new RegExp(`^${CONS_SEQ}[aeiouy][^aeiouwxy]$`);
const ED_ING = /^(.*)(ed|ing)$/;
const AT_BL_IZ = /^(at|bl|iz)$/; // re.match of "(at|bl|iz)$": anchored at the start
const STEP1B = /^([^aeiouylsz])\1$/; // re.match: anchored at the start (Whoosh's own)
const STEP2_RE = new RegExp(`^(.+?)(${Object.keys(STEP2).join("|")})$`);
const STEP3_RE = new RegExp(`^(.+?)(${Object.keys(STEP3).join("|")})$`);
const STEP4_1 = /^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$/;
const STEP4_2 = /^(.+?)(s|t)(ion)$/;
const STEP5 = /^(.+?)e$/;

export function stem(w) {
  if (w.length < 3) return w;
  const firstIsY = w[0] === "y";
  if (firstIsY) w = "Y" + w.slice(1);
  if (w.endsWith("s")) {
    if (w.endsWith("sses")) w = w.slice(0, -2);
    else if (w.endsWith("ies")) w = w.slice(0, -2);
    else if (w[w.length - 2] !== "s") w = w.slice(0, -1);
  }
  if (w.endsWith("eed")) {
    if (MGR0.test(w.slice(0, -3))) w = w.slice(0, -1);
  } else {
    const m = w.match(ED_ING);
    if (m && S_V.test(m[1])) {
      w = m[1];
      if (AT_BL_IZ.test(w)) w += "e";
      else if (STEP1B.test(w)) w = w.slice(0, -1);
      else if (C_V.test(w)) w += "e";
    }
  }
  if (w.endsWith("y") && S_V.test(w.slice(0, -1))) w = w.slice(0, -1) + "i";
  let m = w.match(STEP2_RE);
  if (m && MGR0.test(m[1])) w = m[1] + STEP2[m[2]];
  m = w.match(STEP3_RE);
  if (m && MGR0.test(m[1])) w = m[1] + STEP3[m[2]];
  m = w.match(STEP4_1);
  if (m) {
    if (MGR1.test(m[1])) w = m[1];
  } else {
    m = w.match(STEP4_2);
    if (m && MGR1.test(m[1] + m[2])) w = m[1] + m[2];
  }
  m = w.match(STEP5);
  if (m && (MGR1.test(m[1]) || (MEQ1.test(m[1]) && !C_V.test(m[1])))) w = m[1];
  if (w.endsWith("ll") && MGR1.test(w)) w = w.slice(0, -1);
  if (firstIsY) w = "y" + w.slice(1);
  return w;
}
