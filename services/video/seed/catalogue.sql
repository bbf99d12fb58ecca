-- Seed catalogue of the video service (新片预告): 24 trailers (4 pages of 6) and a few comments.
--
-- Loaded by `video seed` (which applies the migrations first), or by hand:
--   mariadb video < services/video/seed/catalogue.sql
-- Idempotent: videos have fixed ids and are upserted, comments are inserted only when the same
-- (vid, nick, content) is not there yet. Times are UTC.
--
-- Sources of the URLs: Mtime (时光网) trailers of 2015–17 as served by its public trailer API
-- (vfx.mtime.cn / img31/img5.mtime.cn), the Blender Foundation open movies (CC BY) as mirrored
-- by Google's sample bucket and W3C's media test files, and the public HLS test streams of
-- Mux, Bitmovin, Unified Streaming and JW Player.

INSERT INTO video (id, video_title, video_url, video_image, video_desc, created_at) VALUES
(1, '叶问3 终极预告',
 'http://vfx.mtime.cn/Video/2016/03/01/mp4/160301190336712029.mp4',
 'http://img31.mtime.cn/mg/2016/03/01/190109.22747109_235X132X4.jpg',
 '1959 年的香港，叶问为守护儿子就读的小学与地产商的打手周旋，又要面对自称咏春正宗的张天志。',
 '2016-03-01 11:03:36.000'),
(2, '美国队长3：英雄内战 中文版预告片',
 'http://vfx.mtime.cn/Video/2016/04/12/mp4/160412151551083488.mp4',
 'http://img31.mtime.cn/mg/2015/11/25/133553.93351574_235X132X4.jpg',
 '一纸超级英雄注册法案让复仇者联盟分裂成两派，美国队长与钢铁侠终于兵戎相见。',
 '2016-04-12 07:15:51.000'),
(3, '三人行 先行版预告片',
 'http://vfx.mtime.cn/Video/2016/04/14/mp4/160414164023423259.mp4',
 'http://img31.mtime.cn/mg/2016/04/15/094906.15136025.jpg',
 '杜琪峰执导。一间病房里，警察、医生和中枪的劫匪各怀执念，对峙一触即发。',
 '2016-04-14 08:40:23.000'),
(4, '垫底辣妹 中文终极版预告片',
 'http://vfx.mtime.cn/Video/2016/04/06/mp4/160406094001785649.mp4',
 'http://img31.mtime.cn/mg/2016/04/06/094213.59430682.jpg',
 '改编自真实故事：成绩垫底的高二女生在补习老师的鼓励下，一年内冲刺名校。',
 '2016-04-06 01:40:01.000'),
(5, '魔兽 中文版迦罗娜预告片',
 'http://vfx.mtime.cn/Video/2016/05/06/mp4/160506094549176298.mp4',
 'http://img31.mtime.cn/mg/2016/05/06/102007.46964016.jpg',
 '改编自暴雪同名游戏。兽人穿过黑暗之门入侵艾泽拉斯，半兽人迦罗娜在两个种族之间做出选择。',
 '2016-05-06 01:45:49.000'),
(6, 'X战警：天启 角色预告片',
 'http://vfx.mtime.cn/Video/2016/05/07/mp4/160507115516211353.mp4',
 'http://img31.mtime.cn/mg/2016/05/07/175306.94788904.jpg',
 '远古变种人天启苏醒并召集四骑士，年轻一代的X战警必须联手阻止他重塑世界。',
 '2016-05-07 03:55:16.000'),
(7, '逃出绝命镇 预告片',
 'http://vfx.mtime.cn/Video/2016/10/05/mp4/161005105236188684.mp4',
 'http://img5.mtime.cn/mg/2016/10/05/175628.50274504.jpg',
 'Get Out：随女友回乡见家长的周末，小镇居民过分的热情背后藏着一个可怕的秘密。',
 '2016-10-05 02:52:36.000'),
(8, '勇敢者游戏：决战丛林 “身陷兽群”预告片',
 'http://vfx.mtime.cn/Video/2017/11/14/mp4/171114092423896713.mp4',
 'http://img5.mtime.cn/mg/2017/06/30/111434.76339580.jpg',
 'Jumanji: Welcome to the Jungle：四个被罚留校的高中生被吸进一台老游戏机，变成游戏角色在丛林里闯关。',
 '2017-11-14 01:24:23.000'),
(9, '比得兔 中文版剧场预告片',
 'http://vfx.mtime.cn/Video/2017/11/08/mp4/171108093937333122.mp4',
 'http://img5.mtime.cn/mg/2017/11/08/093909.60048379_120X90X4.jpg',
 'Peter Rabbit：比得兔和伙伴们与新来的农场主斗智斗勇，争夺菜园的控制权。',
 '2017-11-08 01:39:37.000'),
(10, '拓星者 先行版预告',
 'http://vfx.mtime.cn/Video/2017/11/13/mp4/171113105102992015.mp4',
 'http://img5.mtime.cn/mg/2017/11/13/105245.83405580_120X90X4.jpg',
 '国产科幻冒险：困在外星荒漠中的人们为活下去而挣扎。',
 '2017-11-13 02:51:02.000'),
(11, '碟中谍5：神秘国度 中文版终极预告片',
 'http://vfx.mtime.cn/Video/2015/06/04/mp4/150604164108319901.mp4',
 'http://img31.mtime.cn/mg/2015/06/04/163929.61664672_235X132X4.jpg',
 'Mission: Impossible – Rogue Nation：IMF 被解散，伊森·亨特孤身追查神秘的“辛迪加”。',
 '2015-06-04 08:41:08.000'),
(12, '叶问3 先行版预告片',
 'http://vfx.mtime.cn/Video/2015/10/02/mp4/151002112936187592.mp4',
 'http://img31.mtime.cn/mg/2015/10/02/113500.62102617_235X132X4.jpg',
 'Ip Man 3：甄子丹、张晋、泰森主演，叶问系列第三部的第一支预告。',
 '2015-10-02 03:29:36.000'),
(13, 'Big Buck Bunny — Trailer',
 'https://media.w3.org/2010/05/bunny/trailer.mp4',
 'https://media.w3.org/2010/05/bunny/poster.png',
 'The Blender Foundation''s second open movie (2008): a giant, gentle rabbit takes comic revenge on the three rodents who bully the forest. CC BY 3.0.',
 '2008-04-10 12:00:00.000'),
(14, 'Big Buck Bunny 大雄兔',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/BigBuckBunny.mp4',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/images/BigBuckBunny.jpg',
 '布兰德基金会开放电影（2008），全片约 10 分钟：温和的大兔子被三只捣蛋的啮齿动物惹毛了。',
 '2008-05-30 12:00:00.000'),
(15, 'Big Buck Bunny (HLS)',
 'https://test-streams.mux.dev/x36xhzz/x36xhzz.m3u8',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/images/BigBuckBunny.jpg',
 'The whole film as an adaptive HLS stream (m3u8) for players that switch bitrates.',
 '2008-05-30 12:00:01.000'),
(16, 'Sintel — Trailer',
 'https://media.w3.org/2010/05/sintel/trailer.mp4',
 'https://media.w3.org/2010/05/sintel/poster.png',
 'A lonely girl searches the world for Scales, the baby dragon she once rescued. Blender Foundation, 2010, CC BY 3.0.',
 '2010-05-01 12:00:00.000'),
(17, 'Sintel 辛特尔',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/Sintel.mp4',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/images/Sintel.jpg',
 '少女辛特尔穿越雪原与荒漠，寻找被掳走的小龙 Scales。布兰德基金会第三部开放电影，约 15 分钟。',
 '2010-09-27 12:00:00.000'),
(18, 'Sintel (HLS)',
 'https://bitdash-a.akamaihd.net/content/sintel/hls/playlist.m3u8',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/images/Sintel.jpg',
 'Sintel as a multi-bitrate HLS stream.',
 '2010-09-27 12:00:01.000'),
(19, 'Elephants Dream 大象之梦',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/ElephantsDream.mp4',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/images/ElephantsDream.jpg',
 '第一部开放电影（2006）：Emo 与 Proog 在一座没有尽头的机械迷宫里，各自相信着不同的世界。',
 '2006-03-24 12:00:00.000'),
(20, 'Elephants Dream (HLS)',
 'https://playertest.longtailvideo.com/adaptive/elephants_dream_v4/index.m3u8',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/images/ElephantsDream.jpg',
 'Elephants Dream as an HLS stream.',
 '2006-03-24 12:00:01.000'),
(21, 'Tears of Steel 钢铁之泪',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/TearsOfSteel.mp4',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/images/TearsOfSteel.jpg',
 '未来的阿姆斯特丹，一群科学家试图重现一段往事，让世界免于机器人的毁灭。布兰德基金会，2012。',
 '2012-09-26 12:00:00.000'),
(22, 'Tears of Steel (HLS)',
 'https://demo.unified-streaming.com/k8s/features/stable/video/tears-of-steel/tears-of-steel.ism/.m3u8',
 'https://commondatastorage.googleapis.com/gtv-videos-bucket/sample/images/TearsOfSteel.jpg',
 'Tears of Steel as an HLS stream with several audio tracks.',
 '2012-09-26 12:00:01.000'),
(23, 'Oceans 海洋',
 'https://vjs.zencdn.net/v/oceans.mp4',
 'https://vjs.zencdn.net/v/oceans.png',
 '雅克·贝汉执导的海洋纪录片（2009），镜头潜入世界各大洋，记录海洋生物的生存与迁徙。',
 '2010-01-27 12:00:00.000'),
(24, 'Oceans 海洋 (HLS)',
 'https://playertest.longtailvideo.com/adaptive/oceans/oceans.m3u8',
 'https://vjs.zencdn.net/v/oceans.png',
 'The Oceans clip as an adaptive HLS stream.',
 '2010-01-27 12:00:01.000')
ON DUPLICATE KEY UPDATE
    video_title = VALUES(video_title),
    video_url   = VALUES(video_url),
    video_image = VALUES(video_image),
    video_desc  = VALUES(video_desc),
    created_at  = VALUES(created_at);

-- Comments: each row is inserted once; re-running the seed adds nothing.
INSERT INTO comment (vid, nick, avatar, content, created_at)
SELECT s.vid, s.nick, s.avatar, s.content, s.created_at
FROM (
    SELECT 1 AS vid, '小咏春' AS nick,
           'https://www.gravatar.com/avatar/3b3be63a4c2a439b013787725dfce802?d=identicon&s=132' AS avatar,
           '我要打十个！🥋' AS content, TIMESTAMP'2016-03-02 01:12:00.000' AS created_at
    UNION ALL SELECT 1, 'Kevin',
           'https://www.gravatar.com/avatar/9e107d9d372bb6826bd81d3542a419d6?d=identicon&s=132',
           'The Tyson fight alone is worth the ticket.', TIMESTAMP'2016-03-02 03:40:00.000'
    UNION ALL SELECT 1, '阿May',
           'https://www.gravatar.com/avatar/e4d909c290d0fb1ca068ffaddf22cbd0?d=identicon&s=132',
           '张晋那段木人桩 👍👍👍', TIMESTAMP'2016-03-03 12:05:00.000'
    UNION ALL SELECT 2, '钢铁侠粉',
           'https://www.gravatar.com/avatar/45c48cce2e2d7fbdea1afc51c7c6ad26?d=identicon&s=132',
           'Team Iron Man 🤖 谁站队美队？', TIMESTAMP'2016-04-13 02:00:00.000'
    UNION ALL SELECT 2, 'Steve',
           'https://www.gravatar.com/avatar/6512bd43d9caa6e02c990b0a82652dca?d=identicon&s=132',
           '#TeamCap 🛡️', TIMESTAMP'2016-04-13 02:30:00.000'
    UNION ALL SELECT 7, '胆小鬼',
           'https://www.gravatar.com/avatar/c20ad4d76fe97759aa27a0c99bff6710?d=identicon&s=132',
           '看完预告不敢喝茶了 😱☕', TIMESTAMP'2016-10-06 14:20:00.000'
    UNION ALL SELECT 13, 'blender_fan',
           'https://www.gravatar.com/avatar/c51ce410c124a10e0db5e4b97fc2af39?d=identicon&s=132',
           'Still the best squirrel in animation history 🐿️', TIMESTAMP'2016-05-01 09:00:00.000'
    UNION ALL SELECT 17, '龙妈',
           'https://www.gravatar.com/avatar/aab3238922bcc25a6f606eb525ffdc56?d=identicon&s=132',
           '结局哭了 😭 Scales!!!', TIMESTAMP'2016-05-02 10:00:00.000'
    UNION ALL SELECT 17, 'Ana',
           'https://www.gravatar.com/avatar/9bf31c7ff062936a96d3c8bd1f8f2ff3?d=identicon&s=132',
           '¡Qué bonita! 🐉', TIMESTAMP'2016-05-02 11:30:00.000'
    UNION ALL SELECT 23, '潜水员',
           'https://www.gravatar.com/avatar/c74d97b01eae257e44aa9d5bade97baf?d=identicon&s=132',
           '想去看鲸鱼 🐋🌊', TIMESTAMP'2016-06-01 08:00:00.000'
) AS s
WHERE NOT EXISTS (
    SELECT 1 FROM comment c
    WHERE c.vid = s.vid AND c.nick = s.nick AND c.content = s.content
)
ORDER BY s.created_at;
