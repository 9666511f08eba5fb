# Bash completion for ctscope and ctscope-engine: the subcommands, then each
# subcommand's options (after -) or file names. tests/cli/check_completion.cmake
# checks that every option in `ctscope CMD --help` is listed here.

_ctscope_options() {
    local common="-h --help --version"
    case "$1" in
        analyze)
            echo "$common --k --budget --json --csv --bases --bases-k --threads --cache-dir --precision --device" \
                 "--no-cache --no-tables --ww --ww-csv --ww-mp --ww-compat --ww-fp16 --quiet" ;;
        compare)
            echo "$common --k --json --threads --device --overlay-only --quiet" ;;
        tokenize)
            echo "$common --text --data --json --no-special --decode" ;;
        sweep)
            echo "$common" ;;
        export)
            echo "$common --out --format --width-in --height-in --dpi --k --tau --sweep --threads --cache-dir" \
                 "--no-cache --quiet" ;;
        eval)
            echo "$common --data --docs --tokenizer --threads --device --quiet" ;;
        finetune)
            echo "$common --data --tokenizer --blocks --k --basis --arms --param --steps --seq --batch --seeds" \
                 "--lr-grid --heldout-fraction --heldout-windows --threads --device --prefix-cache-mb" \
                 "--weight-decay --out --save --save-run --shard --bf16 --no-prefix-cache --resume --overwrite" \
                 "--progress --dry-run --quiet --slurm --tasks --partition --time --cpus-per-task" \
                 "--gpus-per-task --sbatch-arg" ;;
    esac
}

_ctscope() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    local commands="analyze eval finetune export compare tokenize sweep help"
    [[ "${COMP_WORDS[0]##*/}" == ctscope-engine ]] && commands="analyze eval finetune compare tokenize sweep help"
    COMPREPLY=()
    if [[ $COMP_CWORD -eq 1 ]]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "-h --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands demo" -- "$cur") $(compgen -f -- "$cur"))
        fi
        return 0
    fi
    local cmd="${COMP_WORDS[1]}"
    case "$cmd" in
        help)
            [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            return 0 ;;
        sweep)
            if [[ $COMP_CWORD -eq 2 && "$cur" != -* ]]; then
                COMPREPLY=($(compgen -W "status merge" -- "$cur"))
                return 0
            fi ;;
    esac
    case "$prev" in
        --precision) COMPREPLY=($(compgen -W "auto fast exact" -- "$cur")); return 0 ;;
        --device) COMPREPLY=($(compgen -W "auto cpu cuda" -- "$cur")); return 0 ;;
        --progress) COMPREPLY=($(compgen -W "text json" -- "$cur")); return 0 ;;
        --out|--csv|--cache-dir|--save|--sweep) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;
    esac
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$(_ctscope_options "$cmd")" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
    return 0
}

complete -o filenames -F _ctscope ctscope ctscope-engine
