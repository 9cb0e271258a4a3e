# SPDX-License-Identifier: GPL-2.0
#
# bash completion for stratactl (Documentation/stratactl.rst).
# Installed as /usr/share/bash-completion/completions/stratactl.

# The words of a listing: policy names, gang koids, registration ids.
_stratactl_list()
{
	local ctl=$1
	shift
	case $1 in
	policies)
		"$ctl" "${@:2}" policy list 2>/dev/null |
			awk 'NR > 1 && $1 ~ /^[a-z0-9_]+$/ { print $1 }'
		;;
	gangs)
		"$ctl" "${@:2}" -j gang list 2>/dev/null |
			grep -o '"koid":[0-9]*' | cut -d: -f2
		;;
	regs)
		"$ctl" "${@:2}" -j tier show 2>/dev/null |
			grep -o '"id":[0-9]*' | cut -d: -f2
		;;
	esac
}

_stratactl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local ctl=${COMP_WORDS[0]} object= command= i w nargs=0
	local -a sock=()

	COMPREPLY=()
	# the global options, the object, the command, how many arguments
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -z $object ]]; then
			case $w in
			-s|--socket)
				sock=(-s "${COMP_WORDS[i+1]}")
				((i++))
				;;
			--socket=*) sock=(-s "${w#*=}") ;;
			-*) ;;
			*) object=$w ;;
			esac
		elif [[ -z $command ]]; then
			command=$w
		else
			((nargs++))
		fi
	done

	if [[ -z $object ]]; then
		case $prev in
		-s|--socket)
			COMPREPLY=($(compgen -f -- "$cur"))
			return
			;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-j --json -p --pretty -s
				--socket -h --help' -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'status module policy cap sandbox
				tier gang gpu help' -- "$cur"))
		fi
		return
	fi

	if [[ -z $command ]]; then
		case $object in
		status) w='--help' ;;
		module) w='list load unload help --help' ;;
		policy) w='list attach detach help --help' ;;
		cap) w='stat help --help' ;;
		sandbox) w='show run help --help' ;;
		tier) w='show add remove quota nodes set get top help --help' ;;
		gang) w='list show status create kill help --help' ;;
		gpu) w='list help --help' ;;
		*) w= ;;
		esac
		COMPREPLY=($(compgen -W "$w" -- "$cur"))
		return
	fi

	if [[ $cur == -* && $object$command != sandboxrun &&
	      $object$command != gangcreate && $object$command != tieradd &&
	      $object$command != tiernodes && $object$command != tiertop ]]; then
		COMPREPLY=($(compgen -W '--help' -- "$cur"))
		return
	fi

	case $object/$command in
	module/load|module/unload)
		((nargs == 0)) &&
			COMPREPLY=($(compgen -W 'cap tier gang' -- "$cur"))
		;;
	policy/attach)
		if ((nargs == 0)); then
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -f -X '!*.bpf.o' -- "$cur")
				   $(compgen -d -- "$cur"))
		elif ((nargs == 1)); then
			COMPREPLY=($(compgen -W 'name' -- "$cur"))
		fi
		;;
	policy/detach)
		((nargs == 0)) && COMPREPLY=($(compgen -W \
			"$(_stratactl_list "$ctl" policies "${sock[@]}")" \
			-- "$cur"))
		;;
	gang/kill|gang/show)
		((nargs == 0)) && COMPREPLY=($(compgen -W \
			"$(_stratactl_list "$ctl" gangs "${sock[@]}")" \
			-- "$cur"))
		;;
	gang/create)
		case $prev in
		--on-exit)
			COMPREPLY=($(compgen -W 'abort shrink' -- "$cur"))
			return
			;;
		--members|--gpus-per-member|--priority|--slice|--runtime-hint|--name)
			return
			;;
		esac
		COMPREPLY=($(compgen -W '--members --gpus-per-member --priority
			--slice --on-exit --cosched --stop --runtime-hint --name
			--help --' -- "$cur"))
		[[ $cur != -* ]] && COMPREPLY=($(compgen -c -- "$cur"))
		;;
	sandbox/run)
		case $prev in
		--vmo|--keep-fd) return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--vmo --keep-fd --help --' \
				-- "$cur"))
		else
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -c -- "$cur"))
		fi
		;;
	tier/add)
		case $prev in
		--pid)
			COMPREPLY=($(compgen -W "$(ls /proc | grep '^[0-9]')" \
				-- "$cur"))
			return
			;;
		--cgroup)
			compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -d -- "${cur:-/sys/fs/cgroup/}"))
			return
			;;
		--quota)
			COMPREPLY=($(compgen -W 'unlimited none' -- "$cur"))
			return
			;;
		esac
		COMPREPLY=($(compgen -W '--pid --cgroup --quota --help' \
			-- "$cur"))
		;;
	tier/remove|tier/quota|tier/show)
		((nargs == 0)) && COMPREPLY=($(compgen -W \
			"$(_stratactl_list "$ctl" regs)" -- "$cur"))
		((nargs == 1)) && [[ $command == quota ]] &&
			COMPREPLY=($(compgen -W 'unlimited none' -- "$cur"))
		;;
	tier/nodes)
		case $prev in
		--fast|--slow) return ;;
		esac
		((nargs == 0)) &&
			COMPREPLY=($(compgen -W 'auto --fast --slow --help' \
				-- "$cur"))
		[[ $cur == -* ]] &&
			COMPREPLY=($(compgen -W '--fast --slow --help' \
				-- "$cur"))
		;;
	tier/set|tier/get)
		((nargs == 0)) && COMPREPLY=($(compgen -W 'scan_min_ms
			scan_max_ms hot_rounds cold_rounds rate_limit_mbps
			fast_reserve_pct thp_split max_regs' -- "$cur"))
		((nargs == 1)) && [[ $command == set && $prev == thp_split ]] &&
			COMPREPLY=($(compgen -W 'Y N' -- "$cur"))
		;;
	tier/top)
		case $prev in
		-n|--count|-d|--delay) return ;;
		esac
		COMPREPLY=($(compgen -W '-n --count -d --delay --help' \
			-- "$cur"))
		;;
	esac
}

complete -F _stratactl stratactl
