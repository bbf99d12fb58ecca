// The rock-paper-scissors rules the page needs to describe a result (proto/ws-game.md "The
// game in brief", spec/originals.md §2.4). The server judges; the page only says who won.
// Pure (unit-tested in web/tests/unit/).

/** The hands, by the protocol's numbers. */
export const HANDS = [
    { choice: 1, name: '剪刀 Scissors', symbol: '✌️' },
    { choice: 2, name: '石头 Rock', symbol: '✊' },
    { choice: 3, name: '布 Paper', symbol: '✋' },
];

/** The hand for a protocol number, or null (no hand yet). */
export function hand(choice) {
    return HANDS.find((entry) => entry.choice === choice) ?? null;
}

/**
 * The outcome of one pair for the first player: "win", "lose" or "draw". Equal hands draw, a
 * missing hand loses to any hand, otherwise the first wins iff (c1 − c2 + 3) mod 3 == 1.
 */
export function judge(mine, theirs) {
    if (mine === theirs) return 'draw';
    if (mine == null) return 'lose';
    if (theirs == null) return 'win';
    return (mine - theirs + 3) % 3 === 1 ? 'win' : 'lose';
}

/** The player's and the opponent's entries of a `result` payload, by uid. */
export function entriesFor(result, uid) {
    const entries = result?.result ?? [];
    const me = entries.find((entry) => entry.uid === uid) ?? null;
    const opponent = entries.find((entry) => entry.uid !== uid) ?? null;
    return { me, opponent };
}
