<?php
/* written for demarc's tests: no credentials */
require_once ABSPATH . 'wp-settings.php';
