import test from 'ava';
import { mirrorFor, parseDeb822Sources, parseSourcesList } from './apt-sources.js';
test('a one-line sources.list gives its binary bookworm main mirror', (t) => {
    const sources = parseSourcesList(`
# deb http://old.example/debian bookworm main
deb-src http://src.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://security.example/debian-security bookworm-security main
deb [ trusted=yes ] http://mirror.example/debian/ bookworm main contrib # the local mirror
deb http://other.example/debian bookworm main
`);
    t.deepEqual(sources[1], { types: ['deb'], uris: ['http://security.example/debian-security'], suites: ['bookworm-security'], components: ['main'] });
    t.is(mirrorFor(sources, 'bookworm'), 'http://mirror.example/debian');
    t.is(mirrorFor(sources, 'trixie'), undefined);
});
test('a deb822 .sources file gives its first enabled bookworm main URI', (t) => {
    const sources = parseDeb822Sources(`Types: deb deb-src
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: https://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb
URIs: http://deb.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: cdrom:[Debian]/ http://deb.example/debian
Suites: bookworm
 bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`);
    t.is(sources.length, 2, 'the disabled stanza is left out');
    t.deepEqual(sources[1]?.suites, ['bookworm', 'bookworm-updates'], 'continuation lines');
    t.is(mirrorFor(sources, 'bookworm'), 'http://deb.example/debian', 'a transport debootstrap cannot use is passed over');
});
test('sources without main or without a deb type give no mirror', (t) => {
    t.is(mirrorFor(parseSourcesList('deb http://a.example/debian bookworm contrib\ndeb-src http://b.example/debian bookworm main\n'), 'bookworm'), undefined);
});
//# sourceMappingURL=apt-sources.test.js.map