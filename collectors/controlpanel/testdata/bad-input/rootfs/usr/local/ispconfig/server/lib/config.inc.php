<?php
$conf['db_password'] = 'FAKE-bad-input-password-5e5e';
define('ISPC_APP_VERSION', 'FAKE-bad-input-password-5e5e');
