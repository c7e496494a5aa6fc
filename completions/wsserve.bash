# bash completion for wsserve(1)                            -*- shell-script -*-

_wsserve()
{
    local cur prev words cword
    _init_completion || return

    case $prev in
        --cert | --client-ca | --key)
            _filedir
            return
            ;;
        -a | --address | -p | --port | --handshake-timeout | --max-message | \
            --origin | --subprotocol)
            # Free text or a number: nothing to offer.
            return
            ;;
    esac

    # wsserve takes no operands, so every word is an option.
    local opts="--address --cert --client-ca --echo --exit-on-eof
        --handshake-timeout --help --key --max-message --no-page --origin
        --port --quiet --subprotocol --verbose --version"
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}

complete -F _wsserve wsserve

# ex: filetype=sh
