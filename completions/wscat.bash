# bash completion for wscat(1)                              -*- shell-script -*-

_wscat()
{
    local cur prev words cword
    # -n : keeps "ws://host:port/" one word despite COMP_WORDBREAKS.
    _init_completion -n : || return

    case $prev in
        -c | --connect)
            _wscat_url
            return
            ;;
        --ca | --cert | --key)
            _filedir
            return
            ;;
        --color)
            COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
            return
            ;;
        -p | --protocol)
            # The one version there is.
            COMPREPLY=($(compgen -W 13 -- "$cur"))
            return
            ;;
        -H | --header | -o | --origin | -s | --subprotocol | -x | --execute | \
            --auth | --ciphers | --connect-timeout | --count | --max-message | \
            -w | --wait | --host | --passphrase | --ping-interval | --ping-timeout)
            # Free text or a number: nothing to offer.
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        local opts="-1 --auth --ca --cert --ciphers --color --connect --connect-timeout
            --count --echo --execute --header --help --host --insecure --key
            --max-message --no-check --no-color --no-history --origin --passphrase
            --ping-interval --ping-timeout --protocol --show-ping-pong --slash
            --subprotocol --verbose --version --wait"
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi

    # The URL operand, unless -c or a URL came already.
    local args i
    _count_args : '@(-c|--connect|-H|--header|-o|--origin|-p|--protocol|-s|--subprotocol|-x|--execute|--auth|--ca|--cert|--ciphers|--color|--host|--key|--passphrase|--connect-timeout|--count|--max-message|--ping-interval|--ping-timeout|-w|--wait)'
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

complete -F _wscat wscat

# ex: filetype=sh
