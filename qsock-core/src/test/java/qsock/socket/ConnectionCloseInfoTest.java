package qsock.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ConnectionCloseInfoTest {

    @Test
    void toStringEscapesTheReasonWhichStaysRawInTheRecord() {
        ConnectionCloseInfo info = ConnectionCloseInfo.of(9, "bye\r\n\u001b[2J");
        assertEquals("ConnectionCloseInfo[errorCode=9, frameType=0, reason=bye\\r\\n\\x1b[2J]", info.toString());
        assertEquals("bye\r\n\u001b[2J", info.reason());
    }
}
