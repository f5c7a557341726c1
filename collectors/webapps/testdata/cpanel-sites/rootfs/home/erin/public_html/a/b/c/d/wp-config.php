<?php
// stand-in: no credentials
define( 'DB_NAME', 'wp' );
