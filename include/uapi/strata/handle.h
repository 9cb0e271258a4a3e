/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * strata - user-space API: handle values, object types and rights
 *
 * Constants only, with no types, so that BPF programs can include this
 * next to vmlinux.h.  <strata/cap.h> includes it.
 */
#ifndef _UAPI_STRATA_HANDLE_H
#define _UAPI_STRATA_HANDLE_H

/* Never a valid handle value: closing it is a no-op, as in Zircon. */
#define STRATA_HANDLE_INVALID	0U

/* Object types: Zircon's numbers where the object exists there. */
#define STRATA_OBJ_NONE		0U
#define STRATA_OBJ_VMO		3U
#define STRATA_OBJ_CHANNEL	4U
#define STRATA_OBJ_EVENT	5U
#define STRATA_OBJ_EVENTPAIR	16U
/* strata's own types start at 64 */
#define STRATA_OBJ_GANG		64U

/* Rights: Zircon's names and bit positions, strata's own from bit 30 down. */
#define STRATA_RIGHT_NONE		0U
#define STRATA_RIGHT_DUPLICATE		(1U << 0)
#define STRATA_RIGHT_TRANSFER		(1U << 1)
#define STRATA_RIGHT_READ		(1U << 2)
#define STRATA_RIGHT_WRITE		(1U << 3)
#define STRATA_RIGHT_EXECUTE		(1U << 4)
#define STRATA_RIGHT_MAP		(1U << 5)
#define STRATA_RIGHT_GET_PROPERTY	(1U << 6)
#define STRATA_RIGHT_SET_PROPERTY	(1U << 7)
#define STRATA_RIGHT_DESTROY		(1U << 9)
#define STRATA_RIGHT_SIGNAL		(1U << 12)
#define STRATA_RIGHT_SIGNAL_PEER	(1U << 13)
#define STRATA_RIGHT_WAIT		(1U << 14)
#define STRATA_RIGHT_INSPECT		(1U << 15)
#define STRATA_RIGHT_RESIZE		(1U << 22)
#define STRATA_RIGHT_REVOKE		(1U << 30)
/* Only as an argument: "the same rights as the source handle". */
#define STRATA_RIGHT_SAME_RIGHTS	(1U << 31)

#define STRATA_RIGHTS_ALL	(STRATA_RIGHT_DUPLICATE | STRATA_RIGHT_TRANSFER | \
				 STRATA_RIGHT_READ | STRATA_RIGHT_WRITE |	  \
				 STRATA_RIGHT_EXECUTE | STRATA_RIGHT_MAP |	  \
				 STRATA_RIGHT_GET_PROPERTY |			  \
				 STRATA_RIGHT_SET_PROPERTY | STRATA_RIGHT_DESTROY | \
				 STRATA_RIGHT_SIGNAL | STRATA_RIGHT_SIGNAL_PEER | \
				 STRATA_RIGHT_WAIT | STRATA_RIGHT_INSPECT |	  \
				 STRATA_RIGHT_RESIZE | STRATA_RIGHT_REVOKE)

/* Rights of a new handle, per type: Zircon's defaults, plus REVOKE. */
#define STRATA_DEFAULT_EVENT_RIGHTS (STRATA_RIGHT_DUPLICATE |		\
				     STRATA_RIGHT_TRANSFER |		\
				     STRATA_RIGHT_SIGNAL |		\
				     STRATA_RIGHT_WAIT |		\
				     STRATA_RIGHT_INSPECT |		\
				     STRATA_RIGHT_REVOKE)

#define STRATA_DEFAULT_EVENTPAIR_RIGHTS (STRATA_RIGHT_DUPLICATE |	\
					 STRATA_RIGHT_TRANSFER |	\
					 STRATA_RIGHT_SIGNAL |		\
					 STRATA_RIGHT_SIGNAL_PEER |	\
					 STRATA_RIGHT_WAIT |		\
					 STRATA_RIGHT_INSPECT |		\
					 STRATA_RIGHT_REVOKE)

/* As in Zircon, a channel endpoint cannot be duplicated, only moved. */
#define STRATA_DEFAULT_CHANNEL_RIGHTS (STRATA_RIGHT_TRANSFER |		\
				       STRATA_RIGHT_READ |		\
				       STRATA_RIGHT_WRITE |		\
				       STRATA_RIGHT_SIGNAL |		\
				       STRATA_RIGHT_SIGNAL_PEER |	\
				       STRATA_RIGHT_WAIT |		\
				       STRATA_RIGHT_INSPECT |		\
				       STRATA_RIGHT_REVOKE)

/* A VMO made with STRATA_VMO_RESIZABLE also gets STRATA_RIGHT_RESIZE. */
#define STRATA_DEFAULT_VMO_RIGHTS (STRATA_RIGHT_DUPLICATE |		\
				   STRATA_RIGHT_TRANSFER |		\
				   STRATA_RIGHT_READ |			\
				   STRATA_RIGHT_WRITE |			\
				   STRATA_RIGHT_MAP |			\
				   STRATA_RIGHT_GET_PROPERTY |		\
				   STRATA_RIGHT_SET_PROPERTY |		\
				   STRATA_RIGHT_SIGNAL |		\
				   STRATA_RIGHT_WAIT |			\
				   STRATA_RIGHT_INSPECT |		\
				   STRATA_RIGHT_REVOKE)

/*
 * Signals: Zircon's bit positions.  Bits 0-3 are set by the kernel (except
 * SIGNALED, which user space sets on events and eventpairs); the user
 * signals 24-31 are free for applications on every object.
 */
#define STRATA_SIGNAL_NONE		0U
#define STRATA_SIGNAL_READABLE		(1U << 0)	/* channel: a message is queued */
#define STRATA_SIGNAL_WRITABLE		(1U << 1)	/* channel: the peer's queue has room */
#define STRATA_SIGNAL_PEER_CLOSED	(1U << 2)	/* the peer is gone */
#define STRATA_SIGNAL_SIGNALED		(1U << 3)	/* event, eventpair: user flag */
#define STRATA_SIGNAL_USER_0		(1U << 24)
#define STRATA_SIGNAL_USER_ALL		(0xffU << 24)

#endif /* _UAPI_STRATA_HANDLE_H */
