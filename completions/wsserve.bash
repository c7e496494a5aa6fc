# bash completion for wsserve(1)                            -*- shell-script -*-

_wsserve()
{
    local cur prev words cword
    _init_completion || return

    case $prev in
        --color)
            COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
            return
            ;;
        --auth-file | --cert | --client-ca | --key)
            _filedir
            return
            ;;
        -a | --address | -p | --port | --allow-host | --auth | --ciphers | \
            --handshake-timeout | \
            --max-clients | --max-memory | --max-message | --max-pending | \
            --origin | --ping-interval | \
            --ping-timeout | --slow-client-timeout | --subprotocol)
            # Free text or a number: nothing to offer.
            return
            ;;
    esac

    # wsserve takes no operands, so every word is an option.
    local opts="--address --allow-host --auth --auth-file --cert --ciphers
        --client-ca --color --echo --exit-on-eof
        --handshake-timeout --help --key --max-clients --max-memory
        --max-message --max-pending --no-color --no-history --no-page
        --origin --ping-interval --ping-timeout --port --quiet
        --slow-client-timeout --subprotocol --verbose --version"
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}

complete -F _wsserve wsserve

# ex: filetype=sh
