package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// shells are the completion scripts. Each is a thin adapter: it passes the words to
// 'iamsync __complete' (complete.go) and hands the candidates to the shell, so commands,
// flags and values are never listed twice.
var shells = []struct {
	name, desc, script string
}{
	{"bash", "Bash 3.2 or later", bashCompletion},
	{"zsh", "Zsh", zshCompletion},
	{"fish", "fish 3 or later", fishCompletion},
	{"powershell", "PowerShell 5.1 or 7", powershellCompletion},
}

type completionFlags struct{}

func (f *completionFlags) register(*pflag.FlagSet) {}

func (f *completionFlags) check() error { return nil }

const completionUsage = `Usage: iamsync completion bash|zsh|fish|powershell

Prints the shell completion script for commands, flags, their values, file names, stack
names (--stack), profiles (--profile) and API keys (--rotate). Install it:

  bash        source <(iamsync completion bash)          # in ~/.bashrc
  zsh         iamsync completion zsh > "${fpath[1]}/_iamsync"
  fish        iamsync completion fish > ~/.config/fish/completions/iamsync.fish
  powershell  iamsync completion powershell | Out-String | Invoke-Expression   # in $PROFILE

Flags:
`

func runCompletion(_ context.Context, env Env, args []string) int {
	var f completionFlags
	fs := newFlagSet(env, "completion", completionUsage, f.register)
	rest, code := parseFlags(env, fs, args, f.check)
	if code >= 0 {
		return code
	}
	var names []string
	for _, s := range shells {
		names = append(names, s.name)
	}
	if len(rest) != 1 {
		errorf(env, "'completion' takes one shell: %s", strings.Join(names, ", "))
		hintf(env, "e.g. source <(iamsync completion bash)")
		return ExitError
	}
	shell := rest[0]
	if shell == "pwsh" { // PowerShell 7's executable name
		shell = "powershell"
	}
	for _, s := range shells {
		if s.name == shell {
			fmt.Fprint(env.Stdout, s.script)
			return ExitOK
		}
	}
	errorf(env, "no completion for shell %q; there is one for %s", rest[0], strings.Join(names, ", "))
	if s := suggest(rest[0], names); s != "" {
		hintf(env, "did you mean %q?", s)
	}
	return ExitError
}

const bashCompletion = `# bash completion for iamsync.
# Now:    source <(iamsync completion bash)
# Always: iamsync completion bash > ~/.local/share/bash-completion/completions/iamsync
_iamsync() {
    local line=${COMP_LINE:0:COMP_POINT}
    local -a words
    read -r -a words <<<"$line"
    local cur=""
    if [[ $line != *[[:space:]] ]]; then
        cur=${words[${#words[@]}-1]}
        unset "words[${#words[@]}-1]"
    fi
    [[ ${#words[@]} -gt 0 ]] || return 0
    # Readline replaces only what follows the last '=' or ':' of the word (COMP_WORDBREAKS).
    local tail=${cur##*[=:]}
    local prefix=${cur:0:${#cur}-${#tail}}
    local out directive=none
    COMPREPLY=()
    while IFS= read -r out; do
        case $out in
        :*) directive=${out#:} ;;
        *) out=${out%%$'\t'*}; COMPREPLY+=("${out#"$prefix"}") ;;
        esac
    done < <(command iamsync __complete "${words[@]:1}" "+$cur" 2>/dev/null)
    case $directive in
    files | dirs)
        local opt=-f
        [[ $directive == dirs ]] && opt=-d
        while IFS= read -r out; do COMPREPLY+=("$out"); done < <(compgen "$opt" -- "$tail")
        compopt -o filenames 2>/dev/null
        ;;
    esac
    return 0
}
complete -F _iamsync iamsync
`

const zshCompletion = `#compdef iamsync
# zsh completion for iamsync.
# Always: iamsync completion zsh > "${fpath[1]}/_iamsync"   (then start a new shell)
# Now:    source <(iamsync completion zsh)                   (after compinit)
_iamsync() {
    local -a out cands
    local line directive=none
    out=("${(@f)$(command iamsync __complete "${(@)words[2,CURRENT-1]}" "+${words[CURRENT]}" 2>/dev/null)}")
    for line in "${out[@]}"; do
        case $line in
        :*) directive=${line#:} ;;
        *$'\t'*) cands+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}") ;;
        ?*) cands+=("${line//:/\\:}") ;;
        esac
    done
    (( ${#cands} )) && _describe -t values iamsync cands
    case $directive in
    files) _files ;;
    dirs) _files -/ ;;
    esac
    return 0
}
if [[ ${funcstack[1]} == _iamsync ]]; then
    _iamsync "$@"
else
    compdef _iamsync iamsync
fi
`

const fishCompletion = `# fish completion for iamsync.
# Always: iamsync completion fish > ~/.config/fish/completions/iamsync.fish
# Now:    iamsync completion fish | source
function __iamsync_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l cur (commandline -ct)
    set -l directive none
    for line in (command iamsync __complete $words "+$cur" 2>/dev/null)
        switch $line
            case ':*'
                set directive (string sub -s 2 -- $line)
            case '*'
                printf '%s\n' $line
        end
    end
    switch $directive
        case files
            __fish_complete_path $cur
        case dirs
            __fish_complete_directories $cur
    end
end
complete -c iamsync -f -a '(__iamsync_complete)'
`

const powershellCompletion = `# PowerShell completion for iamsync.
# Now:    iamsync completion powershell | Out-String | Invoke-Expression
# Always: add that line to $PROFILE
Register-ArgumentCompleter -Native -CommandName iamsync -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    # The words before the cursor, without the command itself; the word under it goes last,
    # prefixed with '+' so that an empty one is not dropped on the way to iamsync.
    $words = @($commandAst.CommandElements |
        Where-Object { $_.Extent.EndOffset -lt $cursorPosition } |
        Select-Object -Skip 1 |
        ForEach-Object { $_.Extent.Text })
    $directive = 'none'
    $results = @()
    foreach ($line in @(& iamsync __complete @words "+$wordToComplete" 2>$null)) {
        if ($line.StartsWith(':')) {
            $directive = $line.Substring(1)
            continue
        }
        $value, $desc = $line -split "` + "`" + `t", 2
        if (-not $desc) { $desc = $value }
        $results += [System.Management.Automation.CompletionResult]::new($value, $value, 'ParameterValue', $desc)
    }
    # With no candidates PowerShell offers file names itself, as files and dirs ask.
    $results
}
`
