// Reference ids for the fixtures in this folder, from an independent
// implementation (transformers.js, the @lenml/tokenizers fork, 3.7.2).
// usage: npm install @lenml/tokenizers   (in a scratch folder)
//        NODE_PATH=that/node_modules node make_reference_ids.js   (run here)
const fs = require('fs');
const path = require('path');
const { TokenizerLoader } = require('@lenml/tokenizers');

const common = [
  "Once upon a time, there was a little girl named Lily. She loved to play outside in the sunshine.",
  "One day, a big dog came to the park. \"Hello!\" said the dog. Lily smiled and said, \"Hi!\"",
  "Hello, world! It's 2026 \u2014 caf\u00e9 na\u00efve \u6771\u4eac \ud83d\ude00 ",
  "  leading spaces\n\n\ttabs and\r\nCRLF   trailing   ",
  "numbers 1234567 3.14159 and code: for (int i=0;i<n;++i) { x[i]+=1; }",
  "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac, \u0440\u0443\u0441\u0441\u043a\u0438\u0439, \u0627\u0644\u0639\u0631\u0628\u064a\u0629, \u0939\u093f\u0928\u094d\u0926\u0940, \ud55c\uad6d\uc5b4",
  "I'M SURE they'LL say we'd've DONE it, isn't it? 'quoted' O'Neil",
  "",
  " ",
  "\n\n\n",
  "a  \n  b\t\t\tc     d",
];
const byName = {
  'qwen3-mini': common.concat([
    // NFC: a decomposed e + combining acute composes to \u00e9; a lone mark stays.
    "cafe\u0301 vs caf\u00e9, A\u030a ngstr\u00f6m, \u0301a, \ufb01 ligature, \u2460 circled",
    "<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n",
    "before<|endoftext|>after <|endoftext|> spaced",
  ]),
  'gpt2-mini': common.concat([
    "The quick brown fox's jumps aren't  lazy.\n\nNew paragraph<|endoftext|>Next doc",
  ]),
  'mistral-mini': common.concat([
    "Hello   <mask> world",
    "x <sep>   y and <both>  z",
    "<sep>   starts here",
    "  <mask>",
    "a<both>b <s> c </s>",
    "emoji \ud83d\ude80 and \u6f22\u5b57 fall back to bytes",
  ]),
};

for (const [name, texts] of Object.entries(byName)) {
  const dir = path.join(__dirname, name);
  const tokenizerJSON = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'));
  const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
  const tok = TokenizerLoader.fromPreTrained({ tokenizerJSON, tokenizerConfig });
  const docs = texts.map(text => ({
    text,
    ids: Array.from(tok.encode(text, { add_special_tokens: false })),
    ids_special: Array.from(tok.encode(text, { add_special_tokens: true })),
  }));
  fs.writeFileSync(path.join(dir, 'reference_ids.json'),
                   JSON.stringify({ tokenizer: '@lenml/tokenizers 3.7.2', docs }, null, 0) + '\n');
  console.log(name, docs.length, 'docs', docs.reduce((a, d) => a + d.ids.length, 0), 'ids');
}
