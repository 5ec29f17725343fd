// npm run bench:languages -- [--data ../shared/datasets] [--per-set 300]
// The language detectors considered for Translate and Sentiment (decision 017) on the sentences
// we have: Tatoeba en–de, en–fr, en–zh and Multi30k's validation captions (en, de, fr), sampled
// with a fixed seed, plus a few hand-written sentences in languages no default model knows
// (Arabic above all: the case). Prints accuracy, how many answers clear a confidence
// threshold and how often those are right, the time per call and the heap the library adds.
// A benchmark, never a pass/fail test; the detector the app keeps is server/apps/languages.ts.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { data: { type: "string", default: "../shared/datasets" }, "per-set": { type: "string", default: "300" } },
});
const PER_SET = Math.min(5000, Math.max(10, Number(values["per-set"]) || 300));
const data = (...parts: string[]) => readFileSync(path.join(values.data, ...parts), "utf8");

/** A small deterministic PRNG (mulberry32) so every run samples the same sentences. */
function shuffled<T>(items: T[], seed: number): T[] {
  let a = seed;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

interface Sample {
  set: string;
  language: string;
  text: string;
}

function tatoeba(file: string, other: string, seed: number): Sample[] {
  const rows = data(file)
    .split("\n")
    .map((l) => l.split("\t"))
    .filter((r) => r.length >= 2 && r[0] && r[1]);
  return shuffled(rows, seed)
    .slice(0, PER_SET)
    .flatMap(([en, foreign]) => [
      { set: `tatoeba ${other}`, language: "en", text: en! },
      { set: `tatoeba ${other}`, language: other, text: foreign! },
    ]);
}

function multi30k(language: string): Sample[] {
  const lines = data("translation-multi30k", `val.${language}`).split("\n").filter(Boolean);
  return shuffled(lines, 7)
    .slice(0, PER_SET)
    .map((text) => ({ set: "multi30k", language, text }));
}

// Written for this benchmark: everyday sentences, short and long, in languages the default
// models do not know.
const WRITTEN: Record<string, string[]> = {
  ar: [
    "مرحبا، كيف حالك اليوم؟",
    "أين أقرب محطة قطار؟",
    "أحب قراءة الكتب في المساء.",
    "الطقس جميل جدا هذا الصباح.",
    "هل يمكنك مساعدتي في ترجمة هذه الرسالة؟",
    "ذهبنا إلى السوق واشترينا الخضار والفواكه.",
    "المطعم كان ممتازا والخدمة سريعة.",
    "لم يعجبني الفيلم، كان طويلا ومملا.",
    "سأسافر إلى القاهرة الأسبوع القادم لزيارة عائلتي.",
    "يدرس أخي الهندسة في الجامعة.",
    "شكرا جزيلا على مساعدتك.",
    "الكتاب على الطاولة بجانب النافذة.",
    "نحتاج إلى مزيد من الوقت لإنهاء المشروع.",
    "هذا الهاتف غالي جدا بالنسبة لي.",
    "أطفال يلعبون كرة القدم في الحديقة.",
    "رجل يركب دراجة في الشارع.",
    "اتصلت بك أمس لكنك لم ترد.",
    "الفندق نظيف والموظفون لطفاء.",
    "أريد فنجان قهوة من فضلك.",
    "تعلم لغة جديدة يتطلب الصبر والممارسة اليومية.",
  ],
  es: [
    "¿Dónde está la estación de tren más cercana?",
    "Me gusta leer libros por la noche.",
    "El restaurante era excelente y el servicio rápido.",
    "Un hombre monta en bicicleta por la calle.",
    "Mañana vamos a visitar a mis abuelos.",
    "No entiendo lo que quieres decir.",
  ],
  ru: [
    "Где находится ближайшая станция метро?",
    "Мне нравится читать книги вечером.",
    "Ресторан был отличный, а обслуживание быстрое.",
    "Мужчина едет на велосипеде по улице.",
    "Завтра мы поедем к бабушке.",
    "Я не понимаю, что ты имеешь в виду.",
  ],
  ja: [
    "一番近い駅はどこですか？",
    "夜に本を読むのが好きです。",
    "レストランはとても良かったです。",
    "男性が自転車で通りを走っています。",
    "明日は祖父母に会いに行きます。",
    "何を言っているのかわかりません。",
  ],
  it: [
    "Dov'è la stazione ferroviaria più vicina?",
    "Mi piace leggere libri la sera.",
    "Il ristorante era ottimo e il servizio veloce.",
    "Un uomo va in bicicletta per la strada.",
    "Domani andiamo a trovare i nonni.",
    "Non capisco cosa vuoi dire.",
  ],
};

const samples: Sample[] = [
  ...tatoeba("translation-en-de-tatoeba/deu-eng.txt", "de", 1),
  ...tatoeba("translation-en-fr/fra-eng.txt", "fr", 2),
  ...tatoeba("translation-en-zh/cmn.txt", "zh", 3),
  ...multi30k("en"),
  ...multi30k("de"),
  ...multi30k("fr"),
  ...Object.entries(WRITTEN).flatMap(([language, texts]) => texts.map((text) => ({ set: "written", language, text }))),
];

/** One answer: an ISO 639-1 code (or "" for none) and a confidence in [0, 1]. */
type Detect = (text: string) => { language: string; confidence: number };

// franc answers ISO 639-3; only the codes these samples need are mapped (others count as wrong).
const ISO3_TO_1: Record<string, string> = {
  eng: "en",
  deu: "de",
  fra: "fr",
  cmn: "zh",
  arb: "ar",
  spa: "es",
  rus: "ru",
  jpn: "ja",
  ita: "it",
};

async function detectors(): Promise<{ name: string; files: string; load: () => Promise<Detect> }[]> {
  return [
    {
      name: "franc-min 6",
      files: "node_modules/franc-min",
      load: async () => {
        const { francAll } = await import("franc-min");
        return (text) => {
          const [best, second] = francAll(text, { minLength: 1 });
          if (!best || best[0] === "und") return { language: "", confidence: 0 };
          // Scores are normalised so the best is 1: the margin to the runner-up is the confidence.
          return { language: ISO3_TO_1[best[0]] ?? best[0], confidence: 1 - (second?.[1] ?? 0) };
        };
      },
    },
    ...(["extrasmall", "small", "medium", "large"] as const).map((size) => ({
      name: `eld 2 (${size})`,
      files: `node_modules/eld/src/ngrams/${size}.js`,
      load: async (): Promise<Detect> => {
        const { eld } = (await import(`eld/${size}`)) as typeof import("eld");
        return (text) => {
          const result = eld.detect(text);
          const scores = Object.values(result.getScores()).sort((a, b) => b - a);
          // How far the best is ahead of the runner-up, relative to the best; 0 when eld itself
          // calls the answer unreliable (too few n-grams).
          const margin = scores.length > 1 ? (scores[0]! - scores[1]!) / scores[0]! : 1;
          return { language: result.language, confidence: result.isReliable() ? margin : 0 };
        };
      },
    })),
    {
      name: "tinyld 1 (normal)",
      files: "node_modules/tinyld/dist/tinyld.normal.node.mjs",
      load: async () => {
        const { detectAll } = await import("tinyld");
        return (text) => {
          const [best] = detectAll(text);
          return best ? { language: best.lang, confidence: best.accuracy } : { language: "", confidence: 0 };
        };
      },
    },
    {
      name: "tinyld 1 (light)",
      files: "node_modules/tinyld/dist/tinyld.light.node.mjs",
      load: async () => {
        const { detectAll } = await import("tinyld/light");
        return (text) => {
          const [best] = detectAll(text);
          return best ? { language: best.lang, confidence: best.accuracy } : { language: "", confidence: 0 };
        };
      },
    },
  ];
}

const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)}%` : "-");

function sizeOf(relative: string): string {
  const walk = (p: string): number =>
    statSync(p).isDirectory() ? readdirSync(p).reduce((n, f) => n + walk(path.join(p, f)), 0) : statSync(p).size;
  return `${(walk(relative) / 1024 / 1024).toFixed(2)} MiB`;
}

const groups = [...new Set(samples.map((s) => `${s.set} ${s.language}`))];
console.log(`${samples.length} sentences: ${groups.join(", ")}\n`);

for (const detector of await detectors()) {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const loadStart = performance.now();
  const detect = await detector.load();
  const loadMs = performance.now() - loadStart;
  detect("warm up");
  global.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  const start = performance.now();
  const answers = samples.map((s) => ({ ...s, answer: detect(s.text) }));
  const perCallUs = ((performance.now() - start) * 1000) / samples.length;
  const correct = (a: (typeof answers)[number]) => a.answer.language === a.language;
  console.log(
    `## ${detector.name}: ${sizeOf(detector.files)} on disk, +${heapMb.toFixed(0)} MiB heap, ` +
      `loads in ${loadMs.toFixed(0)} ms, ${perCallUs.toFixed(0)} µs per sentence`,
  );
  const byGroup = groups.map((g) => {
    const of = answers.filter((a) => `${a.set} ${a.language}` === g);
    return `${g} ${pct(of.filter(correct).length, of.length)}`;
  });
  const allOk = answers.filter(correct).length;
  console.log(`top-1 accuracy ${pct(allOk, answers.length)} (${allOk}/${answers.length}): ${byGroup.join(", ")}`);
  for (const threshold of [0.05, 0.1, 0.2, 0.3, 0.5]) {
    const sure = answers.filter((a) => a.answer.confidence >= threshold);
    const sureOk = sure.filter(correct).length;
    console.log(
      `  confidence >= ${threshold}: ${pct(sure.length, answers.length)} answered, ` +
        `${pct(sureOk, sure.length)} of those right, ${sure.length - sureOk} confidently wrong`,
    );
  }
  const wrong = answers.filter((a) => !correct(a) && a.answer.confidence >= 0.1).slice(0, 4);
  for (const w of wrong)
    console.log(
      `  e.g. "${w.text.slice(0, 50)}" (${w.language}) -> ${w.answer.language || "none"} (${w.answer.confidence.toFixed(2)})`,
    );
  console.log();
}

// As the apps use it (server/apps/language-detection.ts): eld small, threshold and rivals, with
// the default chat model's languages as the candidates.
{
  const { detectLanguage, CONFIDENCE_THRESHOLD } = await import("../server/apps/language-detection");
  const candidates = ["en", "de", "zh"];
  const known = samples.filter((s) => candidates.includes(s.language));
  const other = samples.filter((s) => !candidates.includes(s.language));
  const k = known.map((s) => ({ s, d: detectLanguage(s.text, candidates) }));
  const o = other.map((s) => ({ s, d: detectLanguage(s.text, candidates) }));
  const kSure = k.filter(({ d }) => d.confident);
  const kRight = kSure.filter(({ s, d }) => d.language === s.language).length;
  const oFlagged = o.filter(({ d }) => d.confident && d.language && !candidates.includes(d.language)).length;
  const oMisread = o.filter(({ d }) => d.confident && d.language && candidates.includes(d.language)).length;
  console.log(`## as used: eld small, threshold ${CONFIDENCE_THRESHOLD}, candidates ${candidates.join(", ")}`);
  console.log(
    `  ${known.length} sentences in a candidate language: ${pct(kSure.length, known.length)} answered, ` +
      `${pct(kRight, kSure.length)} of those right`,
  );
  console.log(
    `  ${other.length} in other languages (fr, ar, es, ru, ja, it): ${pct(oFlagged, other.length)} surely none of them, ` +
      `${pct(oMisread, other.length)} taken for one, the rest unsure`,
  );
  for (const language of ["fr", "ar"]) {
    const of = o.filter(({ s }) => s.language === language);
    const flagged = of.filter(({ d }) => d.confident && d.language && !candidates.includes(d.language)).length;
    console.log(`  ${language}: ${pct(flagged, of.length)} surely none of the candidates`);
  }
}
