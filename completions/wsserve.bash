# bash completion for wsserve(1)                            -*- shell-script -*-

_wsserve()
{
    local cur prev words cword
    _init_completion || return

    # Everything after --exec CMD is CMD's command line: complete it as
    # bash would complete CMD's.
    local i
    for ((i = 1; i < COMP_CWORD - 1; i++)); do
        if [[ ${COMP_WORDS[i]} == --exec ]]; then
            _wsserve_command $((i + 1))
            return
        fi
    done

    case $prev in
        --color)
            COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
            return
            ;;
        --auth-file | --cert | --client-ca | --key | -U | --unix)
            _filedir
            return
            ;;
        --exec)
            # The command.
            _wsserve_command "$COMP_CWORD"
            return
            ;;
        --passenv)
            # NAME[,NAME...]: our exported variables, after the last comma.
            COMPREPLY=($(compgen -P "${cur%"${cur##*,}"}" -e -- "${cur##*,}"))
            return
            ;;
        -a | --address | -p | --port | --allow-host | --auth | --ciphers | \
            --close-grace | --handshake-timeout | \
            --max-clients | --max-memory | --max-message | --max-pending | \
            --origin | --ping-interval | \
            --ping-timeout | --slow-client-timeout | --subprotocol | \
            --unix-mode | --trust-proxy)
            # Free text or a number: nothing to offer.
            return
            ;;
    esac

    # wsserve takes no operands, so every word is an option.
    local opts="--address --allow-host --auth --auth-file --binary --cert
        --ciphers --client-ca --close-grace --color --echo --events --exec
        --exit-on-eof --handshake-timeout --help --ids --jsonl --key
        --max-clients --max-memory --max-message --max-pending --no-color
        --no-deflate --no-events --no-history --no-page --null --origin --passenv
        --ping-interval --ping-timeout --port --quiet --slow-client-timeout
        --subprotocol --trust-proxy --unix --unix-mode --verbose --version
        --whole"
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}

# _wsserve_command N: completes COMP_WORDS from index N on as a command
# line of its own, with bash-completion's _command_offset when it has it.
_wsserve_command()
{
    if declare -F _command_offset >/dev/null; then
        _command_offset "$1"
    elif (($1 == COMP_CWORD)); then
        COMPREPLY=($(compgen -c -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

complete -F _wsserve wsserve

# ex: filetype=sh
