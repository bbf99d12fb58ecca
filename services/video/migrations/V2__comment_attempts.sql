-- A comment is stored at most once per client attempt (issue 13; services/video/src/db/posting.rs).
--
-- dedup_key names the attempt that stored the row: SHA-256 of the client's Idempotency-Key, or,
-- without one, of the client address and the comment. Unique, so a second insert of the same
-- attempt fails (waiting for the first while it is uncommitted) instead of storing a copy.
-- dedup_until ends the attempt's hold on the key (UTC); an insert that finds an expired key sets
-- it to NULL on the old row and takes it. request_hash is the comment's own SHA-256, to tell a
-- replay from a key reused for another comment. Rows stored before this migration hold none.

ALTER TABLE comment
    ADD COLUMN dedup_key    BINARY(32)  NULL COMMENT 'SHA-256 naming the attempt that stored it',
    ADD COLUMN request_hash BINARY(32)  NULL COMMENT 'SHA-256 of vid, nick, avatar, content',
    ADD COLUMN dedup_until  DATETIME(3) NULL COMMENT 'UTC; dedup_key names this row until then',
    ADD UNIQUE KEY comment_dedup_key (dedup_key);
