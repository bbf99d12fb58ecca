// The game's JSON WebSocket framing (proto/ws-game.md "JSON framing"): one object per text
// frame, {"type","data"}. The server's first frame is `open` with its ping interval; this
// client pings at that interval so that the idle timeout never closes a socket that waits
// for a round.

/** The socket URL on the page's own origin: ws:// under http, wss:// under https. */
export function gameUrl(location = window.location) {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/applet/websocket/ws`;
}

/**
 * A connection to the game. Every server frame is dispatched as an event named after its
 * `type` with the payload in `detail` (`hi`, `start`, `movement`, `result`, `leave`, `error`,
 * …); `closed` carries {code, reason} when the socket ends.
 */
export class GameSocket extends EventTarget {
    constructor(url = gameUrl()) {
        super();
        this.url = url;
        this.socket = null;
        this.heartbeat = null;
    }

    /** Opens the socket; resolves on the server's `open` frame, rejects if it closes first. */
    connect() {
        return new Promise((resolve, reject) => {
            const socket = new WebSocket(this.url);
            this.socket = socket;
            let opened = false;
            socket.addEventListener('message', (event) => {
                let frame;
                try {
                    frame = JSON.parse(event.data);
                } catch {
                    return;
                }
                if (!frame || typeof frame.type !== 'string') return;
                if (frame.type === 'open') {
                    opened = true;
                    const interval = Number(frame.data?.pingInterval) || 25000;
                    this.heartbeat = setInterval(() => this.send('ping'), interval);
                    resolve(frame.data);
                    return;
                }
                if (frame.type === 'pong') return;
                this.dispatchEvent(new CustomEvent(frame.type, { detail: frame.data ?? null }));
            });
            socket.addEventListener('close', (event) => {
                clearInterval(this.heartbeat);
                this.heartbeat = null;
                if (!opened) reject(new Error(`无法连接游戏服务 (WebSocket closed: ${event.code})`));
                this.dispatchEvent(new CustomEvent('closed', { detail: { code: event.code, reason: event.reason } }));
            });
        });
    }

    /** Sends one frame; `data` is left out for events without a payload (join, leave, ping). */
    send(type, data) {
        if (this.socket?.readyState !== WebSocket.OPEN) return false;
        this.socket.send(JSON.stringify(data === undefined ? { type } : { type, data }));
        return true;
    }

    /** Closes the socket (1000) if it is open. */
    close() {
        clearInterval(this.heartbeat);
        this.heartbeat = null;
        if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000, 'bye');
    }
}
