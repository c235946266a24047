"""nbgrader's own configuration for this course (formgrader, export), from course_config."""

import course_config

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
c.CourseDirectory.root = str(course_config.COURSE_ROOT)
c.CourseDirectory.db_url = f"sqlite:///{course_config.COURSE_ROOT / course_config.GRADEBOOK_FILE}"
