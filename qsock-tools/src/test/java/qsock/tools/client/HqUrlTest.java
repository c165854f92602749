package qsock.tools.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class HqUrlTest {

    @Test
    void parsesHostPortAndPath() {
        assertEquals(new HqUrl("localhost", 4433, "/a/b.bin"), HqUrl.parse("https://localhost:4433/a/b.bin"));
        assertEquals(new HqUrl("example.org", 443, "/"), HqUrl.parse("https://example.org"));
        assertEquals(new HqUrl("::1", 4433, "/x"), HqUrl.parse("https://[::1]:4433/x"));
        assertEquals(new HqUrl("127.0.0.1", 4433, "/a b"), HqUrl.parse("https://127.0.0.1:4433/a%20b"));
    }

    @Test
    void refusesOtherSchemesQueriesAndGarbage() {
        assertThrows(IllegalArgumentException.class, () -> HqUrl.parse("http://localhost/x"));
        assertThrows(IllegalArgumentException.class, () -> HqUrl.parse("localhost:4433/x"));
        assertThrows(IllegalArgumentException.class, () -> HqUrl.parse("https://localhost/x?y=1"));
        assertThrows(IllegalArgumentException.class, () -> HqUrl.parse("https:///x"));
        assertThrows(IllegalArgumentException.class, () -> HqUrl.parse("https://local host/x"));
    }

    @Test
    void savesUnderTheLastSegmentAndNeverADotName() {
        assertEquals("b.bin", HqUrl.parse("https://h/a/b.bin").fileName());
        assertEquals("index.html", HqUrl.parse("https://h/a/").fileName());
        assertEquals("index.html", HqUrl.parse("https://h").fileName());
        assertEquals("index.html", new HqUrl("h", 1, "/a/..").fileName());
    }

    @Test
    void bracketsAnIpv6Authority() {
        assertEquals("[::1]:4433", HqUrl.parse("https://[::1]:4433/").authority());
        assertEquals("h:443", HqUrl.parse("https://h/").authority());
    }
}
