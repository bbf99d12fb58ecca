-- The catalogue and its comment threads (spec/originals.md §4, §8: the original schema file
-- was lost; these columns are the ones its code used, plus what a real catalogue needs).
--
-- utf8mb4 throughout so emoji and CJK are stored intact. Times are UTC: the service sets
-- `time_zone = '+00:00'` on every connection before it reads or writes them.
-- Column widths are the hard ceilings of the configurable limits (settings.rs checks
-- `comment.*_max_chars` against them at start-up); widths count characters, not bytes.

CREATE TABLE video (
    id          INT UNSIGNED  NOT NULL AUTO_INCREMENT,
    video_url   VARCHAR(1024) NOT NULL COMMENT 'mp4 or HLS (m3u8) URL',
    video_title VARCHAR(255)  NOT NULL,
    video_image VARCHAR(1024) NOT NULL COMMENT 'poster URL',
    video_desc  VARCHAR(2000) NOT NULL DEFAULT '',
    created_at  DATETIME(3)   NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'UTC',
    PRIMARY KEY (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE comment (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    vid        INT UNSIGNED    NOT NULL,
    nick       VARCHAR(100)    NOT NULL DEFAULT '',
    avatar     VARCHAR(1024)   NOT NULL DEFAULT '',
    content    VARCHAR(2000)   NOT NULL,
    created_at DATETIME(3)     NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'UTC',
    PRIMARY KEY (id),
    -- commentList: WHERE vid = ? ORDER BY id DESC, straight from the index.
    KEY comment_vid_id (vid, id),
    CONSTRAINT comment_vid_fk FOREIGN KEY (vid) REFERENCES video (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
