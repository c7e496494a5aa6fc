# bash completion for wscat(1)                              -*- shell-script -*-

_wscat()
{
    local cur prev words cword
    # -n : keeps "ws://host:port/" one word despite COMP_WORDBREAKS.
    _init_completion -n : || return

    # Everything after --exec CMD is CMD's command line: complete it as
    # bash would complete CMD's.  COMP_WORDS, not words: _command_offset
    # counts in the words as bash split them, at colons too.
    local i
    for ((i = 1; i < COMP_CWORD - 1; i++)); do
        if [[ ${COMP_WORDS[i]} == --exec ]]; then
            _wscat_command $((i + 1))
            return
        fi
    done

    case $prev in
        -c | --connect)
            _wscat_url
            return
            ;;
        --ca | --cert | --key | --unix)
            _filedir
            return
            ;;
        --color)
            COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
            return
            ;;
        --exec)
            # The command.
            _wscat_command "$COMP_CWORD"
            return
            ;;
        -p | --protocol)
            # The one version there is.
            COMPREPLY=($(compgen -W 13 -- "$cur"))
            return
            ;;
        -H | --header | -o | --origin | -s | --subprotocol | -x | --execute | \
            --auth | --ciphers | --close-grace | --connect-timeout | --count | \
            --max-message | -w | --wait | --host | --passphrase | \
            --ping-interval | --ping-timeout | --max-redirects | --proxy | \
            --reconnect-delay | --reconnect-max)
            # Free text or a number: nothing to offer.
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        local opts="-1 --auth --binary --ca --cert --ciphers --close-grace --color
            --connect --connect-timeout --count --echo --events --exec --execute
            --header --help --host --insecure --insecure-redirect --jsonl --key
            --location --max-message --max-redirects --no-check --no-color
            --no-deflate --no-history --null --origin --passphrase
            --ping-interval --ping-timeout --protocol --proxy --reconnect
            --reconnect-delay --reconnect-max --show-ping-pong --slash
            --subprotocol --unix --verbose --version --wait --whole"
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    # The URL operand, unless -c or a URL came already.
    local args i
    _count_args : '@(-c|--connect|-H|--header|-o|--origin|-p|--protocol|-s|--subprotocol|-x|--execute|--auth|--ca|--cert|--ciphers|--close-grace|--color|--host|--key|--passphrase|--connect-timeout|--count|--max-message|--max-redirects|--ping-interval|--ping-timeout|--proxy|--reconnect-delay|--reconnect-max|--unix|-w|--wait)'
    ((args == 1)) || return
    for ((i = 1; i < cword; i++)); do
        [[ ${words[i]} == @(-c|--connect|--connect=*) ]] && return
    done
    _wscat_url
}

# The URL: the scheme, or the address wsserve listens on by default.
_wscat_url()
{
    COMPREPLY=($(compgen -W "ws:// wss:// ws://127.0.0.1:15678/" -- "$cur"))
    __ltrim_colon_completions "$cur"
}

# _wscat_command N: completes COMP_WORDS from index N on as a command line
# of its own, with bash-completion's _command_offset when it has it.
_wscat_command()
{
    if declare -F _command_offset >/dev/null; then
        _command_offset "$1"
    elif (($1 == COMP_CWORD)); then
        COMPREPLY=($(compgen -c -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

complete -F _wscat wscat

# ex: filetype=sh
