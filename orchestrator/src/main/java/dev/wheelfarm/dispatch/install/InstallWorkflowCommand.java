package dev.wheelfarm.dispatch.install;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.wheelfarm.dispatch.github.GitHubProperties;
import dev.wheelfarm.dispatch.github.GitPushCredentials;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;

import org.springframework.beans.BeansException;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.FileSystemUtils;

/**
 * {@code java -jar wheelfarm.jar install-workflow [--repository owner/name] [--branch b]
 * [--force]}: installs or upgrades the workflow and worker this jar ships in the farm's
 * build repository, with the {@code wheelfarm.github.*} credentials the farm uses. It
 * starts no web server and no database: only the properties are read (from the same
 * places as the farm's: {@code application.properties}, the environment,
 * {@code --wheelfarm.…=…} arguments).
 *
 * <p>
 * Exit codes: {@value #OK} installed or already current; {@value #FAILED} git or GitHub
 * failed (unreachable, credentials refused, push rejected); {@value #USAGE} bad arguments
 * or settings; {@value #CHANGED_BY_HAND} refused because files were changed by hand
 * (nothing pushed; {@code --force} overwrites them).
 */
public final class InstallWorkflowCommand {

	/** The first argument that selects this command instead of the farm. */
	public static final String NAME = "install-workflow";

	public static final int OK = 0;

	public static final int FAILED = 1;

	public static final int USAGE = 2;

	public static final int CHANGED_BY_HAND = 3;

	static final String USAGE_TEXT = """
			Usage: java -jar wheelfarm.jar install-workflow [--repository owner/name] [--branch name] [--force]
			                                               [--wheelfarm.github.<property>=<value> ...]
			Installs the build workflow and worker this jar ships in the farm's build repository.
			  --repository  the build repository (default: wheelfarm.github.repository)
			  --branch      the branch the farm dispatches on (default: wheelfarm.github.ref, main)
			  --force       overwrite files changed by hand in the repository
			Credentials: wheelfarm.github.token, or the GitHub App (wheelfarm.github.app-id,
			wheelfarm.github.private-key, wheelfarm.github.installation-id), with Contents: write.
			""";

	private InstallWorkflowCommand() {
	}

	/**
	 * Runs the command.
	 * @param args the arguments after {@value #NAME}
	 * @return the exit code
	 */
	public static int run(String[] args, PrintStream out, PrintStream err) {
		Arguments arguments;
		try {
			arguments = Arguments.parse(args);
		}
		catch (IllegalArgumentException ex) {
			err.println("install-workflow: " + ex.getMessage());
			err.print(USAGE_TEXT);
			return USAGE;
		}
		if (arguments.help()) {
			out.print(USAGE_TEXT);
			return OK;
		}
		GitHubProperties properties;
		try {
			properties = properties(arguments.springArgs());
		}
		catch (BeansException ex) {
			// A binding or validation failure comes wrapped in bean-creation exceptions a
			// few times over; the innermost message is the one that names the property.
			err.println("install-workflow: the wheelfarm.github settings are not usable: " + rootMessage(ex));
			return USAGE;
		}
		String repository = (arguments.repository() != null) ? arguments.repository() : properties.repository();
		String branch = (arguments.branch() != null) ? arguments.branch() : properties.ref();
		WorkflowInstaller.BuildRepository target;
		String password;
		try {
			if (repository == null) {
				throw new IllegalArgumentException(
						"name the build repository: --repository owner/name " + "(or set wheelfarm.github.repository)");
			}
			password = GitPushCredentials.password(properties);
			target = new WorkflowInstaller.BuildRepository(properties.gitUrlOf(repository), branch,
					new UsernamePasswordCredentialsProvider(GitPushCredentials.USER, password));
		}
		catch (IllegalArgumentException ex) {
			err.println("install-workflow: " + ex.getMessage());
			return USAGE;
		}
		catch (IllegalStateException ex) {
			err.println("install-workflow: " + ex.getMessage());
			return (ex.getCause() != null) ? FAILED : USAGE;
		}
		return install(target, arguments.force(), out, err, password);
	}

	private static int install(WorkflowInstaller.BuildRepository target, boolean force, PrintStream out,
			PrintStream err, String password) {
		Path scratch = null;
		try {
			scratch = Files.createTempDirectory("wheelfarm-install-");
			WorkflowBundle bundle = WorkflowBundle.fromClasspath();
			WorkflowInstaller.InstallResult result = new WorkflowInstaller(scratch).install(target, bundle, force);
			if (result.changed()) {
				out.println("Installed the Wheelfarm workflow bundle " + result.contentHash() + " on " + target.branch()
						+ " of " + target.safeUrl() + " (commit " + result.commit() + ").");
			}
			else {
				out.println(target.safeUrl() + " (" + target.branch() + ") already holds the Wheelfarm workflow bundle "
						+ result.contentHash() + "; nothing to do.");
			}
			return OK;
		}
		catch (HandChangesException ex) {
			err.println("install-workflow: refused, nothing was pushed. " + ex.getMessage());
			return CHANGED_BY_HAND;
		}
		catch (WorkflowInstallException ex) {
			// JGit's messages may quote the URL it was given; ours never holds the token,
			// but say so only after making sure.
			err.println("install-workflow: failed, nothing was pushed: " + ex.getMessage().replace(password, "******")
					+ hint(ex));
			return FAILED;
		}
		catch (IOException ex) {
			err.println("install-workflow: cannot create a temporary directory: " + ex.getMessage());
			return FAILED;
		}
		finally {
			if (scratch != null) {
				try {
					FileSystemUtils.deleteRecursively(scratch);
				}
				catch (IOException ex) {
					err.println("install-workflow: could not remove " + scratch + ": " + ex.getMessage());
				}
			}
		}
	}

	private static String hint(WorkflowInstallException ex) {
		String message = rootMessage(ex).toLowerCase(java.util.Locale.ROOT);
		if (message.contains("not authorized") || message.contains("authentication")) {
			return ". Check the token (or the App) and that it may write the repository's contents "
					+ "(Contents: read and write).";
		}
		if (message.contains("not found")) {
			return ". Check --repository and wheelfarm.github.git-url.";
		}
		return "";
	}

	/** The {@code wheelfarm.github.*} settings as the farm would bind them. */
	private static GitHubProperties properties(String[] springArgs) {
		SpringApplicationBuilder builder = new SpringApplicationBuilder(Settings.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			// A command's output is its messages, not the framework's start-up log.
			.properties(Map.of("logging.level.root", "OFF", "spring.main.register-shutdown-hook", "false"));
		try (ConfigurableApplicationContext context = builder.run(springArgs)) {
			return context.getBean(GitHubProperties.class);
		}
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return (root.getMessage() != null) ? root.getMessage() : root.getClass().getSimpleName();
	}

	/** Only the GitHub settings: no database, no web server, no schedules. */
	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(GitHubProperties.class)
	static class Settings {

	}

	/** The command's own options; {@code --name=value} settings go to Spring. */
	record Arguments(String repository, String branch, boolean force, boolean help, String[] springArgs) {

		static Arguments parse(String[] args) {
			String repository = null;
			String branch = null;
			boolean force = false;
			boolean help = false;
			List<String> spring = new ArrayList<>();
			for (int i = 0; i < args.length; i++) {
				String arg = args[i];
				switch (arg) {
					case "--repository" -> repository = value(args, ++i, arg);
					case "--branch" -> branch = value(args, ++i, arg);
					case "--force" -> force = true;
					case "--help", "-h" -> help = true;
					default -> {
						if (arg.startsWith("--repository=")) {
							repository = arg.substring("--repository=".length());
						}
						else if (arg.startsWith("--branch=")) {
							branch = arg.substring("--branch=".length());
						}
						else if (arg.startsWith("--") && arg.contains("=") && arg.indexOf('.') > 0) {
							spring.add(arg);
						}
						else {
							throw new IllegalArgumentException("unknown argument: " + arg);
						}
					}
				}
			}
			return new Arguments(repository, branch, force, help, spring.toArray(String[]::new));
		}

		private static String value(String[] args, int index, String option) {
			if (index >= args.length || args[index].startsWith("--")) {
				throw new IllegalArgumentException(option + " needs a value");
			}
			return args[index];
		}

	}

}
