package qsock.tools.cli;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import javax.management.Attribute;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code qsock stats [PID]}: the counters of a running qsock process's listeners (its {@code QuicEndpointMXBean}s),
 * read over a local JMX attach, as {@code /proc/net/quic} shows the kernel module's.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Print the counters of the QUIC listeners of a running JVM (qsock server, or any process using"
                + " qsock): connections opened and how they ended, packets, bytes, losses, Retry, resets, migrations,"
                + " key updates. Attaches to PID (the same user's process) over local JMX; without PID, lists the JVMs"
                + " that can be attached to."})
public final class StatsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "PID", description = "The process to read.")
    String pid;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (pid == null) {
            for (VirtualMachineDescriptor d : VirtualMachine.list()) {
                out.println(d.id() + " " + d.displayName());
            }
            return 0;
        }
        if (!pid.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("not a process ID: " + pid);
        }
        VirtualMachine vm = VirtualMachine.attach(pid);
        String address;
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        try (JMXConnector connector = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            Set<ObjectName> names = new TreeSet<>(server.queryNames(new ObjectName("qsock:type=Endpoint,*"), null));
            if (names.isEmpty()) {
                out.println("process " + pid + " has no qsock listener");
                return 1;
            }
            for (ObjectName name : names) {
                out.println("endpoint port " + name.getKeyProperty("port") + ", I/O thread "
                        + name.getKeyProperty("thread"));
                List<String> attributes = new ArrayList<>();
                for (MBeanAttributeInfo info : server.getMBeanInfo(name).getAttributes()) {
                    attributes.add(info.getName());
                }
                attributes.sort(null);
                for (Object a : server.getAttributes(name, attributes.toArray(String[]::new)).asList()) {
                    Attribute attribute = (Attribute) a;
                    out.printf("  %-28s %s%n", words(attribute.getName()), attribute.getValue());
                }
            }
        }
        return 0;
    }

    /** {@return "ConnectionsClosedByPeer" as "connections closed by peer"} */
    static String words(String camel) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                b.append(' ');
            }
            b.append(Character.toLowerCase(c));
        }
        return b.toString();
    }
}
